#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectx_ports
short_description: Set the port settings of a host's ConnectX cards in one task, and say whether it must reboot
description:
  - The port settings of one host, run by the action plugin of the same name (this file is its documentation); the
    port_config role's one task that changes something. In this order -
  - When the host would reboot for a setting (O(reboot_check) set) and no reboot is pending yet (O(reboot_pending)
    empty) - M(homelab.connectx.mlx_config) in check mode on every selected card (nothing is set); when one would
    change, M(homelab.connectx.pve_reboot_guard) in check mode before the first setting (a Proxmox VE cluster that
    would lose quorum, or running guests, are refused with nothing changed).
  - The settings are checked first as M(homelab.connectx.mlx_config) would; a bad one is refused before anything
    runs on the host (O(preflight) - only that).
  - M(homelab.connectx.mlx_config) on each card that differs (every selected card when the first step did not run); it
    compares with the next-boot values, sets only what differs and reads it back. In check mode nothing is set.
  - A card whose configuration cannot be read (M(homelab.connectx.mlx_config)'s V(config_unreadable), a known
    ConnectX-3 failure) with O(fallback) - its LINK_TYPE settings become the C(mlx4_core) option C(port_type_array)
    (RV(ansible_facts.connectx_port_type_fallback), which the driver role reads) and a warning, not a failure.
  - A setting that changed and takes effect at the next boot adds V(the ConnectX port settings) to
    RV(ansible_facts.connectx_reboot_pending); M(homelab.connectx.node_reboot) reboots for it.
  - A failure says what the host must still reboot for, when an earlier step of the run (a burn, a card set before)
    left that.
version_added: 0.4.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  devices:
    description: The discovered cards (the host fact C(connectx_cards)); each a dict with at least C(pci_address).
    type: list
    elements: dict
    required: true
  select:
    description: The cards to set, by PCI address with or without the C(0000:) domain; empty - every card of O(devices).
    type: list
    elements: str
    default: []
  settings:
    description: The settings by name, as M(homelab.connectx.mlx_config)'s O(homelab.connectx.mlx_config#module:settings).
    type: dict
    required: true
  tool:
    description: Tool flavour (M(homelab.connectx.mlx_config)'s O(homelab.connectx.mlx_config#module:tool)).
    type: str
    choices: [auto, mstflint, mft]
    default: auto
  fallback:
    description: Hand the port types to the mlx4 driver when a card's configuration cannot be read, instead of failing.
    type: bool
    default: true
  reboot_check:
    description:
      - Options of M(homelab.connectx.pve_reboot_guard) (C(guests), C(parallel)) to check, read-only, that the node may
        reboot before the first setting changes; unset - no check (the host will not be rebooted).
    type: dict
  reboot_pending:
    description:
      - What the host must already reboot for (the host fact C(connectx_reboot_pending)); when it is not empty the
        node was checked before that change, and the settings are set without the check-mode preview.
    type: list
    elements: str
    default: []
  preflight:
    description:
      - Only check O(settings) as M(homelab.connectx.mlx_config) would (setting names as the tools print them, booleans
        only for boolean settings, V(ETH(1)) refused, values in range); nothing runs on the host. Every run checks
        them first too.
    type: bool
    default: false
  tools_installed:
    description:
      - Whether the card tool is installed on the host (the discovery's C(connectx_tools_state.installed)). V(false) -
        only in check mode on a node that has no tool yet - nothing runs; the result says what a run would compare.
    type: bool
    default: true
seealso:
  - module: homelab.connectx.mlx_config
  - module: homelab.connectx.node_reboot
'''

EXAMPLES = r'''
- name: Set both ports to Ethernet, then reboot when a setting changed
  homelab.connectx.connectx_ports:
    devices: "{{ connectx_cards }}"
    settings:
      LINK_TYPE_P1: ETH
      LINK_TYPE_P2: ETH
    tool: mstflint
    reboot_check:
      guests: refuse
      parallel: 1
    reboot_pending: "{{ connectx_reboot_pending }}"
'''

RETURN = r'''
cards:
  description: Per selected card, what M(homelab.connectx.mlx_config) answered.
  returned: always
  type: list
  elements: dict
  sample: [{pci_address: "0000:03:00.0", changed: true, reboot_required: true}]
reboot_required:
  description: Whether a setting changed (or, in check mode, would change) that takes effect at the next boot.
  returned: always
  type: bool
ansible_facts:
  description: The host facts the roles that follow read.
  returned: when a setting needs the reboot, or a card's configuration could not be read
  type: dict
  contains:
    connectx_reboot_pending:
      description: O(reboot_pending) with V(the ConnectX port settings) added.
      type: list
      elements: str
    connectx_port_type_fallback:
      description: The C(mlx4_core) C(port_type_array) value for a card whose configuration cannot be read.
      type: str
      sample: "2,2"
modules_run:
  description: The modules this task ran on the host, in order.
  returned: always
  type: list
  elements: str
  sample: [mlx_config, pve_reboot_guard, mlx_config]
reason:
  description: Machine-readable reason of a failure (that of M(homelab.connectx.mlx_config) or of the reboot guard).
  returned: failure
  type: str
failed_result:
  description: The full result of the step that failed.
  returned: failure
  type: dict
'''
