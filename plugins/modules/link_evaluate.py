#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: link_evaluate
short_description: Read the ends of the links on a host and compare each with its declaration
description:
  - Action plugin (this file is its documentation). On a Linux host one M(homelab.connectx.link_info) call waits
    (at most O(wait_timeout) seconds) for carrier, reads the ports and pings the peer of each end over its port; on a
    Windows host (O(windows) given) C(ping.exe) pings each peer through M(ansible.windows.win_command) and the reply
    lines are read (it exits 0 on an unreachable host).
  - Each end is compared with its declaration - carrier, speed, duplex, driver, MTU, ping - and gets its errors as
    sentences naming the link, the end and the field, each also as a finding with a code. A Windows end has the same
    codes where the meaning is the same, and V(port_type) (an IPoIB port), V(no_card), V(card_driver) (no card, or a
    card without WinOF) for what only Windows says.
  - Read-only; runs in check mode too. Never fails on a bad link (the role asserts after the report is written).
version_added: 0.5.0
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  ends:
    description: This host's ends (C(connectx_link_plan.ends), see M(homelab.connectx.link_plan)).
    type: list
    elements: dict
    required: true
  cards:
    description: The cards of the host as discovered (C(connectx_cards)), for each end's card and PCIe ceiling.
    type: list
    elements: dict
    default: []
  driver:
    description: Driver expected on every end (C(mlx4_en); on Windows the driver file without C(.sys), C(mlx4eth63)).
    type: str
    default: mlx4_en
  duplex:
    description: Duplex expected on every end.
    type: str
    choices: [full, half]
    default: full
  ping_count:
    description: Pings sent to each peer; V(0) disables the reachability check.
    type: int
    default: 3
  wait_timeout:
    description: Seconds to wait, at most, for carrier on every port before it is judged (Linux).
    type: int
    default: 30
  windows:
    description:
      - What M(homelab.connectx.winof) found on a Windows host (the host fact C(connectx_windows) - its cards, drivers and
        adapters); makes the host a Windows one.
      - Each end's line (as RV(summary)) is printed; an end of a host without a card, or whose card does not run WinOF,
        gets V(no_card) or V(card_driver) whether or not its adapter is there.
    type: dict
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller, which runs the modules on the host.
  async:
    support: none
    description: Cannot be run asynchronously.
'''

EXAMPLES = r'''
- name: Read and compare both ends of each link
  homelab.connectx.link_evaluate:
    ends: "{{ connectx_link_plan.ends }}"
    cards: "{{ connectx_cards | default([]) }}"
  register: evaluated

- name: Report each end
  ansible.builtin.debug:
    msg: "{{ item.msg }}"
  loop: "{{ evaluated.summary }}"
  loop_control:
    label: "{{ item.label }}"
'''

RETURN = r'''
results:
  description:
    - The ends, each with C(state) (what was read), C(errors), C(findings), C(down), C(pcie), C(pci_address), C(card),
      C(module), C(port_max_mbps), C(fw_version) and C(pcie_limited).
  returned: always
  type: list
  elements: dict
  contains:
    errors:
      description: Sentences about what differs from the declaration; empty when the end is as declared.
      type: list
      elements: str
    findings:
      description:
        - The same sentences as C(text), each with its C(code) - V(no_interface), V(no_carrier), V(wrong_port),
          V(speed), V(duplex), V(driver), V(mtu), V(peer_address), V(ping); on a Windows end also V(port_type),
          V(no_card), V(card_driver).
        - The link report folds the findings of both ends into one reason per cause.
      type: list
      elements: dict
    down:
      description: No traffic can flow over this end (no interface, no carrier, no answer to ping, an IPoIB port).
      type: bool
ok:
  description: Whether every end is as declared.
  returned: always
  type: bool
summary:
  description: One line per end (C(label), C(msg)) - speed, duplex, carrier, driver, MTU, cable, card, PCIe ceiling, OK or FAILED.
  returned: always
  type: list
  elements: dict
  sample:
    - label: pve1-pve2 a
      msg: "pve1-pve2 end a pve1:ens1 -> pve2:ens1: 40000 Mb/s full, carrier True, mlx4_en, MTU 9000; ... OK"
ansible_facts:
  description: The host fact the report and the assertion read.
  returned: always
  type: dict
  contains:
    connectx_link_results:
      description: RV(results).
      type: list
      elements: dict
'''
