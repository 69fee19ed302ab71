# The two commands a new machine needs (see README.md).
.PHONY: run test bench

run:  ## build and launch the app (installs what is missing)
	scripts/run.sh

test:  ## run every test (installs what is missing, starts an engine if none answers)
	scripts/test.sh

bench:  ## inventory benchmark against the docker CLI (needs an engine)
	bench/inventory.sh
