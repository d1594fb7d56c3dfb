import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * Short videos are re-encoded with ffmpeg, never stored as sent: the output is a fresh H.264/AAC
 * MP4 with every container and stream metadata tag dropped (phones write the recording's GPS
 * position into a QuickTime `location` tag), at most `maxDimension` on its longer side, with
 * `faststart` so browsers can play it while it downloads. One frame becomes the thumbnail.
 *
 * The binary comes from `HEBAO_FFMPEG`, else the `@ffmpeg-installer/linux-x64` npm package
 * (an optional dependency, so `npm install` brings it on Linux x64), else `ffmpeg` on PATH.
 */
export function findFfmpeg(): string | null {
  const configured = process.env.HEBAO_FFMPEG;
  if (configured) return configured;
  try {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json'));
    const bundled = path.join(dir, 'ffmpeg');
    if (existsSync(bundled)) return bundled;
  } catch {
    // Not installed on this platform.
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'ffmpeg');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

export type VideoContainer = 'mp4' | 'mov' | 'webm';

/** ffmpeg's demuxer for each container the upload's bytes were recognised as. */
const DEMUXER: Record<VideoContainer, string> = { mp4: 'mov', mov: 'mov', webm: 'matroska' };

export interface VideoLimits {
  maxSeconds: number;
  maxDimension: number;
  /** Wall-clock budget for one re-encode; a file that takes longer is refused. */
  timeoutMs: number;
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  maxSeconds: 60,
  maxDimension: 1280,
  timeoutMs: 120_000,
};

export class VideoRefused extends Error {
  constructor(
    message: string,
    readonly reason: 'undecodable' | 'too_long' | 'no_video_stream' | 'too_slow',
  ) {
    super(message);
  }
}

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

function run(binary: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    // Only the tail matters (duration line, errors); keep memory bounded for chatty inputs.
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-64_000);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err, timedOut });
    });
  });
}

/** "Duration: 00:01:02.50" from ffmpeg's description of its input, in seconds. */
export function parseDuration(stderr: string): number | null {
  const m = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** At most `slots` re-encodes at once: each one keeps a core busy. */
class Slots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly slots: number) {}
  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy >= this.slots) await new Promise<void>((r) => this.waiting.push(r));
    this.busy++;
    try {
      return await work();
    } finally {
      this.busy--;
      this.waiting.shift()?.();
    }
  }
}

export class VideoTranscoder {
  private readonly slots = new Slots(Math.max(1, Math.floor(os.availableParallelism() / 2)));

  constructor(
    private readonly ffmpeg: string,
    private readonly limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
  ) {}

  /** The re-encoded MP4 and one PNG frame from it (for the thumbnail). */
  transcode(input: Buffer, container: VideoContainer): Promise<{ video: Buffer; frame: Buffer }> {
    return this.slots.use(async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'hebao-video-'));
      try {
        const source = path.join(dir, 'in');
        const target = path.join(dir, 'out.mp4');
        await writeFile(source, input);
        // The demuxer the bytes were sniffed as, and local files only: an upload must not be
        // read as a playlist or anything else that makes ffmpeg open other files or URLs.
        const demux = ['-protocol_whitelist', 'file', '-f', DEMUXER[container], '-i', source];
        const seconds = await this.duration(demux);
        if (seconds !== null && seconds > this.limits.maxSeconds) {
          throw new VideoRefused(
            `videos may be at most ${this.limits.maxSeconds} seconds long`,
            'too_long',
          );
        }
        const max = this.limits.maxDimension;
        const encode = await run(
          this.ffmpeg,
          [
            ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...demux],
            ...['-map', '0:v:0', '-map', '0:a:0?', '-map_metadata', '-1', '-map_chapters', '-1'],
            ...['-sn', '-dn', '-fflags', '+bitexact', '-t', String(this.limits.maxSeconds)],
            // Fit inside max×max, then round to even sizes as H.264 with 4:2:0 requires.
            '-vf',
            `scale=w='min(${max},iw)':h='min(${max},ih)':force_original_aspect_ratio=decrease,scale=trunc(iw/2)*2:trunc(ih/2)*2`,
            ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-pix_fmt', 'yuv420p'],
            ...['-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', target],
          ],
          this.limits.timeoutMs,
        );
        if (encode.timedOut) {
          throw new VideoRefused('the video took too long to process', 'too_slow');
        }
        if (encode.code !== 0) {
          if (/matches no streams|does not contain any stream/.test(encode.stderr)) {
            throw new VideoRefused('the file has no video track', 'no_video_stream');
          }
          throw new VideoRefused('the file could not be decoded as a video', 'undecodable');
        }
        const frame = await run(
          this.ffmpeg,
          [
            ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
            ...['-protocol_whitelist', 'file', '-f', 'mp4', '-i', target],
            ...['-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'],
          ],
          this.limits.timeoutMs,
        );
        if (frame.code !== 0 || frame.stdout.length === 0) {
          throw new VideoRefused('the file could not be decoded as a video', 'undecodable');
        }
        return { video: await readFile(target), frame: frame.stdout };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  /**
   * The input's length in seconds, or null when the container does not say (WebM recorded by a
   * browser often does not); the encode's `-t` then caps the output at the limit.
   */
  private async duration(demux: string[]): Promise<number | null> {
    // With no output file ffmpeg describes the input and exits 1; the description is enough.
    const probe = await run(this.ffmpeg, ['-hide_banner', '-nostdin', ...demux], 30_000);
    if (!/Duration: /.test(probe.stderr) || /Invalid data found/.test(probe.stderr)) {
      throw new VideoRefused('the file could not be decoded as a video', 'undecodable');
    }
    if (!/Stream #\d+:\d+.*: Video:/.test(probe.stderr)) {
      throw new VideoRefused('the file has no video track', 'no_video_stream');
    }
    return parseDuration(probe.stderr);
  }
}
