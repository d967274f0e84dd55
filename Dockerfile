# syntax=docker/dockerfile:1
# The heavy copier: the same copy engine as the Lambdas, as a Fargate task (linux/arm64, Node 22) for objects too big or
# too slow for a Lambda. `cdk deploy` builds it from the repository root (infra/constructs/heavy-task.ts); `cdk synth`
# only stages the build context, filtered by .dockerignore, and needs no Docker.

FROM public.ecr.aws/docker/library/node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# Built on arm64, npm installs the linux-arm64 native bindings (@node-rs/crc32). No install scripts are needed:
# the image already has Node 22 (the `node` package's download is skipped, so esbuild runs through its JS API on the
# image's node), and that API finds esbuild's platform binary without the postinstall check.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY workflows/ workflows/
COPY handlers/ handlers/
RUN node -e "require('esbuild').buildSync({ entryPoints: ['handlers/heavy-task.ts'], outfile: 'dist/heavy-task.js', \
      bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, sourcemap: true, \
      sourcesContent: false, external: ['@node-rs/crc32'] })"

FROM public.ecr.aws/docker/library/node:22-bookworm-slim
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build /src/dist/ ./
# The native addon esbuild cannot bundle, with its arm64 binding.
COPY --from=build /src/node_modules/@node-rs/ ./node_modules/@node-rs/
# Unprivileged; the task definition also makes the root filesystem read-only (the engine never writes to disk).
USER node
# node is not PID 1 on ECS: the task definition enables an init process (initProcessEnabled), which forwards StopTask's
# SIGTERM and reaps children; the copier then aborts and reports "the task was stopped". Locally: `docker run --init`.
ENTRYPOINT ["node", "/app/heavy-task.js"]
