import { defineConfig } from 'prisma/config';

// The CLI reads the connection from DATABASE_URL; tools/migrate.sh sets it from the dev stack.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
