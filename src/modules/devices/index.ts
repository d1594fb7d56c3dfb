export {
  DEFAULT_DEVICE_OPTIONS,
  DEVICE_HEADER,
  type DeviceOptions,
  DeviceService,
  deviceIdOf,
} from './service.ts';
