#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: link_report
short_description: Work out the link report of a run from what every host left
description:
  - Runs on the controller (action plugin; this file is its documentation). One entry per link of O(links), worst
    status first, from the C(connectx_link_results) and C(connectx_link_measurements) facts of O(hosts) (a host
    that has none, e.g. one that failed earlier, shows its links as down with that reason), each host's tool
    (C(connectx_tools_state), C(connectx_node)) and a diagram layout; each link's cells of the Markdown and HTML
    reports ready to print.
  - The link_check role renders its C(links.md.j2) and C(links.html.j2) templates from RV(model).
version_added: 0.5.0
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  links:
    description: The links of the run (C(connectx_link_plan.links)).
    type: list
    elements: dict
    required: true
  hosts:
    description: The hosts whose results are read; default this play's hosts and the groups C(connectx_hosts) and C(windows_hosts).
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
- name: Work out the link report
  homelab.connectx.link_report:
    links: "{{ connectx_link_plan.links }}"
  register: report
  run_once: true
  delegate_to: localhost
'''

RETURN = r'''
model:
  description: C(links) (each with C(status), C(reasons), C(warnings), C(ends), C(md), C(html)), C(hosts), C(layout), C(counts).
  returned: always
  type: dict
msg:
  description: The counts in words, for example V(1 OK, 0 degraded, 1 down.).
  returned: always
  type: str
'''
