#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: link_plan
short_description: Work out the declared links of a run and this host's ends, or refuse them
description:
  - Runs on the controller (action plugin; this file is its documentation). Merges O(links) with the C(connectx_links)
    of every host of the run, by name (first wins), and refuses links that cannot be checked - a host that is not in
    the inventory (groups C(connectx_hosts) and C(windows_hosts)), a missing host or interface, an interface that is not
    in that host's C(connectx_interfaces), a bad C(speed_mbps), an address given twice. Nothing is sent to the host.
  - The run is the play's hosts plus O(far_hosts) that C(--limit) kept. Links with no end in the run are left out; an
    end whose peer is not in the run checks its own port only.
  - The link_check role's C(preflight) entry point; windows_host runs it with the Linux hosts as O(far_hosts).
version_added: 0.5.0
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  links:
    description: The links declared on this host (C(connectx_links)).
    type: list
    elements: raw
    default: []
  far_hosts:
    description: Hosts checked in a play of their own whose ends count as in the run; default the group C(windows_hosts).
    type: list
    elements: str
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller.
  async:
    support: none
    description: Cannot be run asynchronously.
'''

EXAMPLES = r'''
- name: Work out the links of this run and their ends on this host
  homelab.connectx.link_plan:
    links: "{{ connectx_links }}"
    far_hosts: "{{ groups['windows_hosts'] | default([]) }}"
# Refused: "link x: end b names host nas9, which is not in this play or the inventory (hosts: pve1, pve2). Nothing has
# been changed." (reason links_invalid)
'''

RETURN = r'''
links:
  description: The links with at least one end in the run.
  returned: success
  type: list
  elements: dict
ends:
  description:
    - This host's ends of those links - C(link), C(end) (V(a) or V(b)), C(host), C(iface), C(peer_host), C(peer_iface),
      C(peer_address), C(source_iface), C(speed_mbps), C(mtu), C(peer_in_run), C(linked_ports).
  returned: success
  type: list
  elements: dict
hosts:
  description: The hosts of the run.
  returned: success
  type: list
  elements: str
problems:
  description: One sentence per link that cannot be checked.
  returned: failure
  type: list
  elements: str
reason:
  description: V(links_invalid) when the task refuses.
  returned: failure
  type: str
ansible_facts:
  description: The host fact the other link tasks read.
  returned: success
  type: dict
  contains:
    connectx_link_plan:
      description: RV(links), RV(ends) and RV(hosts).
      type: dict
'''
