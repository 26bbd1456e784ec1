# sigtune in a container: build with the Swift toolchain on Debian 12, run on a slim Debian 12.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        libopenblas-dev libpng-dev libjpeg-dev zlib1g-dev libssl-dev libcurl4-openssl-dev make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product sigtune --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libopenblas0-pthread libpng16-16 libjpeg62-turbo zlib1g libssl3 libcurl4 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.build/release/sigtune /usr/local/bin/sigtune
ENTRYPOINT ["/usr/local/bin/sigtune"]
CMD ["--help"]
