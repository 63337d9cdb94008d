# tern — the two commands a newcomer needs are `make demo` and `make test`.
# Everything else is below. Each target installs the Debian packages it needs.

# bash with pipefail: a recipe like `ctest ... | tail` must fail when ctest does.
SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -c

BUILD       ?= build
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
SEEDS       ?= 100000
CMAKE_FLAGS ?=

# Debian packages per purpose; `make deps` installs only what is missing.
DEPS_BUILD  := gcc make cmake ninja-build pkg-config libssl-dev libprotobuf-c-dev \
               protobuf-c-compiler libcmocka-dev
DEPS_TEST   := python3 python3-cryptography iproute2 g++ libprotobuf-dev protobuf-compiler
DEPS_FUZZ   := clang libclang-rt-14-dev
DEPS_BENCH  := libenet-dev iperf3 gnuplot-nox

.PHONY: all deps deps-fuzz deps-bench build test sanitize tsan fuzz demo soak bench \
        interop install clean format check-format

all: build

# apt-get only when something is missing, so a ready machine stays quiet.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(DEPS_BUILD) $(DEPS_TEST))

deps-fuzz: deps
	$(call install_missing,$(DEPS_FUZZ))

deps-bench: deps
	$(call install_missing,$(DEPS_BENCH))

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Runs CTest with its whole output in $(BUILD)/ctest.log and prints it
# without the lines of passing tests; CTest's summary line comes last.
# Usage: $(call run_ctest,DIR,CTEST ARGS)
run_ctest = cd $(1) && { ctest $(2) > ctest.log 2>&1; rc=$$?; \
	grep -Ev '^ *Start +[0-9]+:|Test +\#[0-9]+: .* Passed ' ctest.log; \
	echo; grep -E '^[0-9]+% tests passed' ctest.log; exit $$rc; }

# The whole suite.
test: build
	$(call run_ctest,$(BUILD),-j $(JOBS) --output-on-failure --timeout 600)

# The suite under ASan+UBSan (build-asan/) and the threaded tests under TSan.
sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	$(call run_ctest,build-asan,-j $(JOBS) --output-on-failure --timeout 1200)

tsan: deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	$(call run_ctest,build-tsan,-j $(JOBS) -L threads --output-on-failure --timeout 1200)

# Every fuzz target under libFuzzer + ASan + UBSan for FUZZ_SECONDS each.
fuzz: deps-fuzz
	CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTERN_FUZZ=ON -DTERN_SANITIZE=address,undefined
	cmake --build build-fuzz -j $(JOBS)
	tools/run-fuzz.sh build-fuzz $(FUZZ_SECONDS)

demo: build
	@tools/demo.sh $(BUILD)

# Long randomized runs of the simulator (SEEDS seeds per scenario).
soak: build
	$(BUILD)/bin/tern-sim --scenario all --seeds $(SEEDS)

bench: deps-bench build
	tools/bench/run.sh $(BUILD)

# Every interop test against real GNS (WIRE.md §11.3), with the slow timer
# tests (T9, T10, T12, full T15) that `make test` skips.
interop: build
	cd $(BUILD) && TERN_INTEROP_SLOW=1 ctest -j 1 -L interop --output-on-failure --timeout 1800 2>&1 | tail -n 60

install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

check-format:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
