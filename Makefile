# The two commands a new machine needs (see README.md).
.PHONY: run test bench package package-test

run:  ## build and launch the app (installs what is missing)
	scripts/run.sh

test:  ## run every test (installs what is missing, starts an engine if none answers)
	scripts/test.sh

bench:  ## benchmarks: inventory vs the docker CLI, layer scan vs docker save, history queries
	bench/inventory.sh
	bench/layers.sh
	bench/history.sh

package:  ## the release .deb (target/release/bundle/deb/)
	scripts/package.sh

package-test:  ## install the .deb, check its desktop entry and icon, open the installed app (root)
	scripts/package-test.sh
