# The two commands a new user runs: `make tutorial` and `make test`. `make help` lists the rest.
.PHONY: help setup tutorial test test-rust test-python test-ruby test-php build fmt bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup: ## Install missing Debian and PyPI packages (ruby-dev, php-dev, libclang, phpunit, maturin, pytest)
	@bash scripts/setup.sh

tutorial: setup ## Run the tutorial end to end in Python, Ruby and PHP on a local server
	@bash scripts/tutorial.sh

test: setup ## Run every test (Rust, Python, Ruby, PHP, official client, conformance)
	@bash scripts/test.sh

test-rust: setup ## Run only the Rust tests and lints
	@TEST_SUITES=rust bash scripts/test.sh

test-python: setup ## Run only the Python binding's tests
	@TEST_SUITES=python bash scripts/test.sh

test-ruby: setup ## Run only the Ruby binding's tests
	@TEST_SUITES=ruby bash scripts/test.sh

test-php: setup ## Run only the PHP binding's tests
	@TEST_SUITES=php bash scripts/test.sh

build: setup ## Build the server and the three bindings
	cargo build -p iron-worker-cli
	bash scripts/build-python.sh
	bash scripts/build-ruby.sh
	bash scripts/build-php.sh

fmt: ## Format the Rust code
	cargo fmt --all

bench: setup ## Run the benchmarks (not part of `make test`); writes bench/RESULTS.md and bench/ratios.png
	bash bench/run.sh
