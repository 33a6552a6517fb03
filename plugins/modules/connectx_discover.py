#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectx_discover
short_description: Discover the ConnectX cards, the tool and the node once, and keep them as host facts
description:
  - The one discovery of a host, run by the action plugin of the same name (this file is its documentation).
  - Runs M(homelab.connectx.mlx_device_info) once - the cards, the tool, the state of the Debian packages the tools
    role installs (one C(dpkg-query)), C(/etc/os-release) and the interfaces of the default routes - and returns
    its result as the host facts the roles read (RV(ansible_facts)).
  - Its options are those of every discovery of the collection - O(tool), the packages (the pinned mstflint of the
    C(mstflint) flavour and O(extra_packages), without their C(=version)) and the address the controller reaches the
    host at (C(ansible_host), when the inventory gives one). RV(ansible_facts.connectx_node.discovery) keeps them, so
    that M(homelab.connectx.node_reboot) discovers again with exactly those after a reboot.
  - Read-only; the same in check mode.
version_added: 0.3.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.no_diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  tool:
    description: The tool flavour (the variable C(connectx_tool)).
    type: str
    choices: [mstflint, mft]
    default: mstflint
  mstflint_package:
    description:
      - The Debian package of the C(mstflint) flavour, as C(name) or C(name=version) (the variable
        C(connectx_mstflint_package)); its state is read when O(tool=mstflint).
    type: str
    default: mstflint=4.21.0+1-1
  extra_packages:
    description: The other Debian packages the tools role installs (the variable C(connectx_tools_extra_packages)).
    type: list
    elements: str
    default: [pciutils, ethtool]
seealso:
  - module: homelab.connectx.mlx_device_info
  - module: homelab.connectx.connectx_tools
'''

EXAMPLES = r'''
- name: Discover the cards (reuses the tools role's result when it ran)
  homelab.connectx.connectx_discover:
    tool: "{{ connectx_tool }}"
    mstflint_package: "{{ connectx_mstflint_package | default(omit) }}"
    extra_packages: "{{ connectx_tools_extra_packages | default(omit) }}"
  when: connectx_cards is not defined

- name: The tool and whether the cards can be read yet
  ansible.builtin.debug:
    msg: "{{ connectx_tools_state.name }} installed: {{ connectx_tools_state.installed }}"
'''

RETURN = r'''
ansible_facts:
  description: The host facts the roles read.
  returned: success
  type: dict
  contains:
    connectx_cards:
      description: The cards (RV(homelab.connectx.mlx_device_info#module:devices)).
      type: list
      elements: dict
    connectx_tools_state:
      description:
        - The tool (RV(homelab.connectx.mlx_device_info#module:tool)) - flavour, version, whether it supports
          ConnectX-3, its package, that package's version and whether it is held.
        - Its C(installed) is always a boolean - V(false) on a node without the tool (check mode on a fresh node),
          where the cards are known from sysfs only; the roles read it to know whether the cards can be read yet.
      type: dict
    connectx_node:
      description: The node.
      type: dict
      contains:
        os:
          description: Its os-release (RV(homelab.connectx.mlx_device_info#module:os)).
          type: dict
        network:
          description: The interfaces of its default routes (RV(homelab.connectx.mlx_device_info#module:network)).
          type: dict
        packages:
          description: The state of the Debian packages the tools role installs (RV(homelab.connectx.mlx_device_info#module:packages)).
          type: dict
          sample: {mstflint: {installed: true, version: 4.21.0+1-1, held: true}}
        discovery:
          description: The options of M(homelab.connectx.mlx_device_info) this discovery ran with (C(tool), C(packages), C(connection_addresses)).
          type: dict
          sample: {tool: mstflint, packages: [mstflint, pciutils, ethtool], connection_addresses: [192.0.2.11]}
cards:
  description: How many cards were found.
  returned: success
  type: int
msg:
  description: One line - the cards found and the tool.
  returned: always
  type: str
modules_run:
  description: The modules this task ran on the host (V(mlx_device_info)).
  returned: always
  type: list
  elements: str
reason:
  description: Machine-readable reason of a failure (that of M(homelab.connectx.mlx_device_info), or V(discovery_failed)).
  returned: failure
  type: str
'''
