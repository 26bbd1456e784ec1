# sigtune in a container: build with the Swift 6 toolchain on Debian 12 (bookworm), run on a slim Debian 12
# with only the shared libraries. docker build -t sigtune . && docker run -p 8080:8080 -v sigtune-data:/data sigtune
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        libopenblas-dev libpng-dev libjpeg-dev zlib1g-dev libssl-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product sigtune --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libopenblas0-pthread libpng16-16 libjpeg62-turbo zlib1g libssl3 libcurl4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data sigtune \
    && mkdir -p /data && chown sigtune /data
COPY --from=build /src/.build/release/sigtune /usr/local/bin/sigtune
COPY Public /usr/share/sigtune/Public
COPY openapi.yaml /usr/share/sigtune/openapi.yaml
USER sigtune
ENV SIGTUNE_DATA=/data HF_HOME=/data/huggingface
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["/usr/local/bin/sigtune"]
# Inside the container the server must listen on all interfaces to be reachable through -p.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--public", "/usr/share/sigtune/Public"]
