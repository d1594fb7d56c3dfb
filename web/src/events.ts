/** A tiny in-page signal: money moved (a transfer, a top-up, a live notification). */
const target = new EventTarget();

export function walletChanged(): void {
  target.dispatchEvent(new Event('wallet'));
}

export function onWalletChanged(listener: () => void): () => void {
  target.addEventListener('wallet', listener);
  return () => target.removeEventListener('wallet', listener);
}
