# sigtune: build, test and run. `make test` is what CI runs (.ci/run).
#
# The C libraries come from Debian. `make deps` installs the missing ones when run as root, and otherwise
# prints the one apt-get line to run.

DEB_PACKAGES := libopenblas-dev libpng-dev libjpeg-dev zlib1g-dev libssl-dev libcurl4-openssl-dev
SWIFT ?= swift

.PHONY: all deps build release test serve bench clean

all: release

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "missing Debian packages:$$missing"; \
		echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; \
		exit 1; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product sigtune
	@echo "built .build/release/sigtune"

# Every test is XCTest; without Swift Testing the run ends on XCTest's own summary line.
test: deps
	$(SWIFT) test --disable-swift-testing

# The server on http://127.0.0.1:8080/ (data in ./sigtune-data). SERVE_FLAGS="--demo" adds a demo dataset and model.
serve: release
	.build/release/sigtune serve $(SERVE_FLAGS)

bench: release
	.build/release/sigtune bench forward --batch 8

clean:
	$(SWIFT) package clean
