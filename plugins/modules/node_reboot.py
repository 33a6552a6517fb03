#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: node_reboot
short_description: Reboot a host the way a Proxmox VE cluster allows, then discover its cards again, in one task
description:
  - The collection's one reboot, run by the action plugin of the same name (this file is its documentation). In this
    order, stopping at the first failure -
  - M(homelab.connectx.pve_reboot_guard) with O(homelab.connectx.pve_reboot_guard#module:phase=before) - a cluster
    that would lose quorum, or running guests with O(guests=refuse), are refused before any change; HA services are
    moved away (maintenance) and, with O(guests=shutdown), the guests shut down.
  - The reboot itself, by M(ansible.builtin.reboot) (its action plugin, with O(reboot_timeout), O(reboot_command)
    and O(boot_time_command)).
  - On a Proxmox VE node M(homelab.connectx.pve_reboot_guard) with
    O(homelab.connectx.pve_reboot_guard#module:phase=after) - back in a quorate cluster, maintenance left, the guests
    it shut down started again.
  - When the reboot or the return to the cluster fails, the preparation is undone as far as the node lets it
    (maintenance left, guests started, waiting at most 60 seconds), and the failure says what is left to do by hand.
  - With O(discover), M(homelab.connectx.mlx_device_info) runs with those options after the reboot and its result is
    RV(discovery); its failure is reported as such, not as a failed reboot.
  - Check mode runs only the first step, in check mode (its refusals are reported), and reboots nothing.
version_added: 0.3.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.no_diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  reasons:
    description: What the host reboots for, for the reboot message and the result (e.g. V(the new ConnectX firmware)).
    type: list
    elements: str
    default: []
  reboot_timeout:
    description: Seconds to wait for the host to come back, and then for its cluster to be quorate again.
    type: int
    default: 900
  reboot_command:
    description: The command that reboots the host (M(ansible.builtin.reboot)'s O(ansible.builtin.reboot#module:reboot_command)).
    type: str
  boot_time_command:
    description: The command whose output changes with each boot (M(ansible.builtin.reboot)'s O(ansible.builtin.reboot#module:boot_time_command)).
    type: str
  guests:
    description: Running guests that are not HA resources - V(refuse) the reboot, or V(shutdown) them and start them after it.
    type: str
    choices: [refuse, shutdown]
    default: refuse
  parallel:
    description: How many nodes may be down at once, this one included (the quorum check counts that many nodes out).
    type: int
    default: 1
  discover:
    description:
      - Options of M(homelab.connectx.mlx_device_info) to run after the reboot, for example C(tool) and C(packages).
      - Not given - no discovery.
    type: dict
notes:
  - One host per task; the linear strategy and a loop over batches of hosts make one node reboot after another.
seealso:
  - module: homelab.connectx.pve_reboot_guard
  - module: ansible.builtin.reboot
requirements:
  - A connection that is not C(local) (the controller is never rebooted).
'''

EXAMPLES = r'''
- name: Reboot for the new firmware, then read the cards again
  homelab.connectx.node_reboot:
    reasons: [the new ConnectX firmware]
    guests: shutdown
    discover:
      tool: mstflint
  register: reboot

- name: The cards after the reboot
  ansible.builtin.debug:
    msg: "{{ reboot.discovery.devices | map(attribute='fw_version') | list }}"
'''

RETURN = r'''
rebooted:
  description: Whether the host rebooted (V(false) in check mode).
  returned: always
  type: bool
elapsed:
  description: Seconds the reboot took (M(ansible.builtin.reboot)'s RV(ansible.builtin.reboot#module:elapsed)).
  returned: when the host rebooted
  type: int
guard:
  description: The result of M(homelab.connectx.pve_reboot_guard) before the reboot (RV(homelab.connectx.pve_reboot_guard#module:proxmox),
    RV(homelab.connectx.pve_reboot_guard#module:cluster), RV(homelab.connectx.pve_reboot_guard#module:maintenance_entered),
    RV(homelab.connectx.pve_reboot_guard#module:stopped_guests)).
  returned: always
  type: dict
guard_after:
  description: The result of M(homelab.connectx.pve_reboot_guard) after the reboot, on a Proxmox VE node.
  returned: when the host rebooted and is a Proxmox VE node
  type: dict
undo:
  description: The result of undoing the preparation after a failure.
  returned: when the reboot or the return to the cluster failed after a preparation
  type: dict
discovery:
  description: The result of M(homelab.connectx.mlx_device_info) after the reboot; V(null) without O(discover) or without a reboot.
  returned: always
  type: dict
modules_run:
  description: The modules this task ran on the host, in order (C(reboot) for M(ansible.builtin.reboot)'s action).
  returned: always
  type: list
  elements: str
  sample: [pve_reboot_guard, reboot, pve_reboot_guard, mlx_device_info]
reason:
  description: Machine-readable reason of a failure (that of M(homelab.connectx.pve_reboot_guard) for its refusals, else V(reboot_failed)).
  returned: failure
  type: str
'''
