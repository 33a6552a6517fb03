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
  - With O(expect), the cards a burn left for the reboot are checked after the discovery - the flash holds the
    target PSID and version and the card runs it. A card that still runs its old firmware after the reboot needs a
    cold start (ConnectX-3 has no live firmware reset) - the task fails with V(cold_boot_needed) and says so.
  - Nothing to reboot for (O(reasons) empty) - nothing is done. O(enabled=false) - a warning that the reboot is
    pending, the cards discovered again (a burn changed the flash) and checked for the flash only; no reboot.
  - Check mode runs only the first step, in check mode (its refusals are reported), and reboots nothing.
  - This is the collection's one reboot; the one check before a change that will need it (the same
    M(homelab.connectx.pve_reboot_guard), read-only) is asked by M(homelab.connectx.mlx_firmware),
    M(homelab.connectx.connectx_ports) and the tools role before the change.
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
  enabled:
    description: Whether the host may be rebooted at all (the variable C(connectx_reboot)); V(false) - see above.
    type: bool
    default: true
  expect:
    description:
      - The cards to confirm after the reboot - dicts with C(pci_address), C(psid), C(fw_version) and optionally
        C(backup) (named in the failure). M(homelab.connectx.mlx_firmware) returns them as the host fact
        C(connectx_reboot_expect).
    type: list
    elements: dict
    default: []
notes:
  - One host per task; with C(throttle) on the task, that many nodes reboot at once and each is back (in its quorate
    cluster, guests started) before the next one goes down.
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
ansible_facts:
  description:
    - After a reboot C(connectx_reboot_pending) and C(connectx_reboot_expect) (empty) and C(connectx_rebooted)
      (V(true)); after a discovery the cards'
      facts C(connectx_cards), C(connectx_tools_state) and C(connectx_node), as the tools role sets them.
  returned: after a reboot or a discovery
  type: dict
confirmed:
  description: One line per card of O(expect) that carries (and runs) its target.
  returned: when O(expect) was confirmed
  type: list
  elements: str
  sample: ["pve1 0000:03:00.0: MT_1090120019 2.42.5000 running"]
modules_run:
  description: The modules this task ran on the host, in order (C(reboot) for M(ansible.builtin.reboot)'s action).
  returned: always
  type: list
  elements: str
  sample: [pve_reboot_guard, reboot, pve_reboot_guard, mlx_device_info]
reason:
  description:
    - Machine-readable reason of a failure - that of M(homelab.connectx.pve_reboot_guard) for its refusals, that of
      the discovery, V(card_missing), V(firmware_mismatch) or V(cold_boot_needed) for O(expect), else V(reboot_failed).
  returned: failure
  type: str
'''
