export { Cache, type CacheOptions, type CacheStats, type SetOptions } from './Cache';
export { FileBackend, type FileBackendOptions } from './fileBackend';
export { cacheKey } from './key';
export { RedisBackend, redactRedisUrl, type RedisBackendOptions } from './redisBackend';
export type { CacheBackend, CacheEntry, ClearOptions, JsonValue } from './types';
