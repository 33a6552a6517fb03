# The built-in lab (included by the Makefile). tests/lab/topology.yml describes it.
.PHONY: lab-up lab-down lab-status

lab-up: deps
	$(VPY) tests/lab/labctl.py up

lab-down:
	@if [ -x $(VPY) ]; then $(VPY) tests/lab/labctl.py down; fi

lab-status: deps
	$(VPY) tests/lab/labctl.py status
