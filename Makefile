# The two commands: `make run` serves the app; `make test` runs every test.
# Both install what is missing first (scripts/setup) and skip what is present.
.PHONY: run test demo bench bench-sync release clippy

run:
	scripts/setup
	scripts/build --serve
	SITE_ROOT=$${SITE_ROOT:-target/site-serve} target/$$(rustc --print host-tuple)/serve/mailcenter

test:
	scripts/test

demo:
	scripts/demo

bench:
	scripts/bench

bench-sync:
	scripts/bench sync

release:
	scripts/setup
	scripts/build --release

clippy:
	cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
	cargo clippy -p frontend -p app --target wasm32-unknown-unknown --features app/hydrate -- -D warnings
