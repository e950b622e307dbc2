# Thin wrapper over dev.sh / CMake, for those who type make.
.PHONY: run test build deps clean
run:
	./dev.sh run
test:
	./dev.sh test
build:
	./dev.sh build
deps:
	./dev.sh deps
clean:
	rm -rf build build-*
