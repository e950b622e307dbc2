# Thin wrapper over dev.sh / CMake, for those who type make.
BUILD_DIR ?= build
.PHONY: run test build deps docs clean
run:
	./dev.sh run
test:
	./dev.sh test
build:
	./dev.sh build
deps:
	./dev.sh deps
# The API reference (Doxygen, warnings are errors) into $(BUILD_DIR)/docs/html.
docs:
	./dev.sh deps doxygen
	cmake -S . -B $(BUILD_DIR)
	cmake --build $(BUILD_DIR) --target docs
clean:
	rm -rf build build-*
