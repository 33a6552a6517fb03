#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: link_iperf
short_description: Measure the links of a host with iperf3, both directions
description:
  - Action plugin (this file is its documentation). Runs C(iperf3 --client ... --json) from end V(a) of each link of
    the host whose peer is in the run and has an address, once each way (C(--reverse) for b->a), and reads the
    received throughput in Gb/s. The iperf3 server on end V(b) is started and stopped by the link_check role's tasks.
  - Measures nothing in check mode.
version_added: 0.5.0
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  ends:
    description: This host's ends (C(connectx_link_plan.ends)).
    type: list
    elements: dict
    required: true
  port:
    description: TCP port of the iperf3 server.
    type: int
    default: 5201
  streams:
    description: Parallel streams.
    type: int
    default: 4
  seconds:
    description: Seconds per direction.
    type: int
    default: 5
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller, which runs the modules on the host.
  async:
    support: none
    description: Cannot be run asynchronously.
'''

EXAMPLES = r'''
- name: Run iperf3 from end a, both directions
  homelab.connectx.link_iperf:
    ends: "{{ connectx_link_plan.ends }}"
'''

RETURN = r'''
measurements:
  description: One per run - C(link), C(direction) (V(a->b) or V(b->a)), C(gbps) (V(null) when it failed), C(error).
  returned: success
  type: list
  elements: dict
summary:
  description: One line per run (C(label), C(msg)), for example V(pve1-pve2 a->b - 28.41 Gb/s).
  returned: success
  type: list
  elements: dict
ansible_facts:
  description: The host fact the link report reads.
  returned: success
  type: dict
  contains:
    connectx_link_measurements:
      description: RV(measurements).
      type: list
      elements: dict
'''
