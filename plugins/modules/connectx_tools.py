#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectx_tools
short_description: Install the firmware tools a host needs and check them against its cards, in one task
description:
  - The tools role's work on one host, run by the action plugin of the same name (this file is its documentation).
    It starts from the discovery (M(homelab.connectx.connectx_discover) - O(cards), O(tools_state), O(node)). In this
    order, stopping at the first refusal -
  - The checks before any change - the host runs Debian (or a system like it, Proxmox VE); for O(tool=mft)
    O(mft_packages) is set, every file is on the controller, and each C(.deb)'s C(Package) and C(Version) are read
    there - a file that is not a Debian package, a list without the package C(mft), or NVIDIA MFT 4.33 or later for a
    host with a ConnectX-3 or ConnectX-3 Pro (the last MFT that supports them is 4.32) is refused. A package whose
    control member this controller cannot decompress (zstd without Python 3.14 or C(dpkg-deb)) is a warning; it is
    checked once installed. With O(preflight=true) nothing else is done.
  - The plan - the Debian packages that are missing or at another version than pinned (O(mstflint_package) for the
    C(mstflint) flavour, O(extra_packages)), where the pinned mstflint comes from (on Debian 13 / Proxmox VE 9,
    Debian 12's C(mstflint=4.21.0+1-1) from C(bookworm), see O(bookworm_uri)), and whether to put it on hold (O(hold)).
  - When O(reboot_may_follow) and O(reboot), cards were found and the tool is not installed yet -
    M(homelab.connectx.pve_reboot_guard) in check mode, before the install, so that a node that may not reboot
    afterwards (a cluster that would lose quorum, running guests with O(reboot_guests=refuse)) is left exactly as it
    was - no package, apt file or hold.
  - On Debian 13 the bookworm apt source and preferences files, written on every run (unchanged - not changed).
  - M(ansible.builtin.apt) for the missing packages only (a converged host runs no apt). When it fails, the bookworm
    files are removed and the task fails with apt's reason and the fix (a reachable bookworm, or NVIDIA MFT 4.32 or
    earlier).
  - M(ansible.builtin.dpkg_selections) C(hold) for the pinned mstflint, unless it is held already.
  - For O(tool=mft) the C(.deb) files copied to O(host_dir)C(/packages) and installed (M(ansible.builtin.apt) C(deb)).
  - After an install, M(homelab.connectx.mlx_device_info) again; its result is returned as the host facts
    (RV(ansible_facts)), as M(homelab.connectx.connectx_discover) returns them.
  - The checks once the tool should be there - it is installed (not in check mode), a card is present (with
    O(require_devices)), and the tool's version supports the ConnectX-3 and ConnectX-3 Pro cards found (mstflint 4.26
    and later dropped ConnectX-3 from mstconfig, 4.30 and later crash on ConnectX-3 Pro; NVIDIA MFT 4.33 and later no
    longer support them), each refusal with its reason and fix.
  - Check mode installs nothing; the apt files, the hold and the MFT staging are checked in check mode (with diff);
    a package that would be installed makes the task changed and RV(lines) says so.
version_added: 0.3.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  cards:
    description: The host's cards as discovered (the fact C(connectx_cards)).
    type: list
    elements: dict
    default: []
  tools_state:
    description: The tool as discovered (the fact C(connectx_tools_state)).
    type: dict
    default: {}
  node:
    description: The node as discovered (the fact C(connectx_node) - C(os), C(packages)).
    type: dict
    default: {}
  preflight:
    description: Only the checks before any change (read-only, nothing runs on the host).
    type: bool
    default: false
  tool:
    description: The tool flavour (C(connectx_tool)).
    type: str
    choices: [mstflint, mft]
    default: mstflint
  mstflint_package:
    description: The Debian package of the C(mstflint) flavour, C(name) or C(name=version) (C(connectx_mstflint_package)).
    type: str
    default: mstflint=4.21.0+1-1
  extra_packages:
    description: Other Debian packages installed on every host (C(connectx_tools_extra_packages)).
    type: list
    elements: str
    default: [pciutils, ethtool]
  hold:
    description: Put a pinned O(mstflint_package) on hold (C(connectx_tools_hold)); V(false) leaves its selection alone.
    type: bool
    default: true
  bookworm_uri:
    description: Where apt finds Debian 12 C(bookworm) on a Debian 13 node (C(connectx_mstflint_bookworm_uri)).
    type: str
    default: http://deb.debian.org/debian
  bookworm_signed_by:
    description: The keyring that signs O(bookworm_uri) (C(connectx_mstflint_bookworm_signed_by)).
    type: str
    default: /usr/share/keyrings/debian-archive-keyring.pgp
  bookworm_trusted:
    description: "C(Trusted: yes) instead of C(Signed-By), for an unsigned local mirror only (C(connectx_mstflint_bookworm_trusted))."
    type: bool
    default: false
  mft_packages:
    description:
      - NVIDIA MFT C(.deb) files on the controller (C(connectx_mft_packages)), for O(tool=mft).
      - A relative path is taken from the directory of the inventory that defines the host.
    type: list
    elements: str
    default: []
  host_dir:
    description: Directory on the host for staged files (C(connectx_host_dir)).
    type: str
    default: /var/lib/connectx
  require_devices:
    description: Fail when no ConnectX card is found (C(connectx_require_devices)).
    type: bool
    default: true
  reboot_may_follow:
    description: This run may reboot the host after the install (C(connectx_tools_reboot_may_follow)).
    type: bool
    default: false
  reboot:
    description: Whether the host may be rebooted at all (C(connectx_reboot)); V(false) - no reboot guard.
    type: bool
    default: true
  reboot_guests:
    description: Running guests that are not HA resources - V(refuse) the reboot, or V(shutdown) them (C(connectx_reboot_guests)).
    type: str
    choices: [refuse, shutdown]
    default: refuse
  reboot_parallel:
    description: How many nodes may be down at once (C(connectx_reboot_parallel)).
    type: int
    default: 1
seealso:
  - module: homelab.connectx.connectx_discover
  - module: homelab.connectx.pve_reboot_guard
'''

EXAMPLES = r'''
- name: Install the firmware tools and check them against the cards
  homelab.connectx.connectx_tools:
    cards: "{{ connectx_cards }}"
    tools_state: "{{ connectx_tools_state }}"
    node: "{{ connectx_node }}"
    tool: mstflint
    mstflint_package: mstflint=4.21.0+1-1
  register: tools

- name: Show the cards found
  ansible.builtin.debug:
    msg: "{{ tools.lines }}"
'''

RETURN = r'''
lines:
  description:
    - What to show for the host - on Debian 13 where mstflint comes from; in check mode what a run would install; the
      cards (PCI address, part number, PSID, firmware) with the tool and its package; in check mode on a node without
      the tool, what a run would do.
    - Also in the result of a refusal of the checks after the install (the cards and the tool it refused).
  returned: success
  type: list
  elements: str
  sample:
    - "pve1: 0000:03:00.0 MCX354A-QCBT PSID MT_1090110018 FW 2.40.5030; tool mstflint 4.21.0"
plan:
  description: What the task decided - C(wanted), C(missing) (the packages to install), C(route) (C(route) V(native) or
    V(bookworm), C(suite), C(packages), C(files), C(message), C(uri)), C(hold), C(hold_name) and C(apt) (whether apt
    is used at all).
  returned: unless O(preflight)
  type: dict
installed:
  description: The Debian packages and MFT files installed in this run.
  returned: always
  type: list
  elements: str
ansible_facts:
  description: After an install, the host facts of the new discovery (as M(homelab.connectx.connectx_discover) returns them).
  returned: when something was installed
  type: dict
modules_run:
  description: The modules and actions this task ran on the host, in order (none on a converged host).
  returned: always
  type: list
  elements: str
  sample: [copy, copy, apt, dpkg_selections, mlx_device_info]
reason:
  description:
    - Machine-readable reason of a refusal - V(not_debian), V(mft_packages_missing), V(mft_packages_not_found),
      V(mft_package_refused), V(path_invalid), V(bookworm_source_invalid), the reboot guard's (V(guests_running),
      V(not_quorate), V(quorum_loss)), V(install_failed), V(tool_missing), V(no_device), V(tool_unsupported), V(invalid_option), V(tools_failed).
  returned: failure
  type: str
'''
