# The Switchyard image: worker, API and CLI run from the TypeScript sources through tsx.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
# Default process: a worker. The API overrides the command.
CMD ["node", "--import", "tsx", "workers/main.ts"]
