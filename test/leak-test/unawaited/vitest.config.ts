import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['*.fixture.ts'], pool: 'forks', testTimeout: 60_000 },
});
