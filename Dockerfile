# Two stages: the build stage runs the same scripts CI runs (scripts/install-deps
# --build, scripts/build --no-tests); the runtime stage holds the binary and only
# the shared libraries it loads.
# NOTE: base images are referenced by tag, not yet pinned by digest, because no
# registry digest of the official images could be looked up where this was
# written. scripts/update-base-images pins them (docs/container.md).
FROM debian:bookworm AS build
WORKDIR /src
COPY CMakeLists.txt ./
COPY scripts/ scripts/
RUN scripts/install-deps --build
COPY src/ src/
RUN scripts/build --no-tests && strip build/secret-preflight

FROM debian:bookworm-slim
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      libcurl4 libyaml-cpp0.7 libboost-program-options1.74.0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/secret-preflight /usr/local/bin/secret-preflight
# GitHub-hosted runners mount the workspace and file-command files as the
# runner user, uid 1001, so running as that uid keeps them writable without root.
RUN useradd --uid 1001 --no-create-home --shell /usr/sbin/nologin preflight
USER 1001
ENTRYPOINT ["/usr/local/bin/secret-preflight"]
CMD ["check"]
