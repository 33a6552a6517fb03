# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in lab's code, by concern; tests/lab/labctl.py is its command line and re-exports every name.

- common:     paths, names, LabError, log, run/podman (the one place commands run), live_pid
- topology:   the topology file, checked against TOPOLOGY_SCHEMA (JSON Schema) and its cross-references
- image:      the host images (debootstrap of a Debian release, imported into podman)
- apt_mirror: the local Debian mirror (tests/lab/mirror.py) served on the bridge
- network:    the bridge, each host's network namespace, its ports and its writable sysfs
- cards:      the emulated cards (tests/lab/emulator/cardctl.py)
- cables:     cables (relays between two TAPs), their modules, swaps
- ssh:        the lab's keys, each host's boot directory (SSH, login, /etc/network/interfaces)
- hosts:      the containers, the timing profile, the Proxmox cluster stand-in's state
- inventory:  the target image and the Ansible inventory
- commands:   up, wire, down, status, reboot, swap (labctl.py parses the command line and calls them)
- shell:      sh(), the lab tests' way to run a command (not used by labctl)
- collection: the ansible_collections/homelab/connectx link to this tree (not used by labctl)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
