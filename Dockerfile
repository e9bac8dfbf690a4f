# The Switchyard image: the compiled build (`npm run build`: JavaScript and a prebundled workflow bundle) on
# production dependencies only; no TypeScript loader and no workflow bundling at start.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Fewer glibc malloc arenas, and the V8 settings of workers/process-flags.ts: less resident memory, same speed.
ENV MALLOC_ARENA_MAX=2
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Default process: a worker. The API runs `node dist/clients/api/main.js`; the CLI is `node bin/switchyard.js`.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=20", "dist/workers/main.js"]
