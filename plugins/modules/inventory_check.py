#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: inventory_check
short_description: Check a host's connectx_* variables before any change, one sentence per mistake
description:
  - Checks the host's C(connectx_*) variables (inventory, play and extra vars) against the argument specs of the
    collection's roles (their C(meta/argument_specs.yml), the one place where each variable's type and choices are
    written), on the controller. Nothing is sent to the host.
  - Each bad variable is refused with one sentence - the host, the variable, the value given, what it must be and
    what ansible-core said - instead of the whole specification that a role's own validation prints.
  - Warns about a C(connectx_*) variable that no role reads (with the closest known name) and about
    C(connectx_allow_psid_change) on a host without C(connectx_firmware_image).
  - A variable whose value cannot be templated yet (it refers to a role default, which is not a variable before the
    role runs) is left to the role's own validation and listed in RV(unread).
  - C(site.yml) and C(crossflash.yml) run it first in their preflight play, with C(any_errors_fatal), so that bad
    input on any host stops every host before the first change; C(verify.yml) and C(restore.yml) run it first too.
version_added: 0.4.0
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  roles:
    description:
      - The roles whose variables are checked - C(role) for its C(main) entry point, C(role:entry) for another (for
        example C(firmware:restore)); by default the six roles of the data path.
      - The warning about C(connectx_allow_psid_change) without an image is given only when C(firmware) is among them.
    type: list
    elements: str
    default: [tools, firmware, port_config, driver, interfaces, link_check]
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller.
  async:
    support: none
    description: Cannot be run asynchronously.
  check_mode:
    support: full
    description: Changes nothing, in check mode or not.
  diff_mode:
    support: none
    description: Nothing to show as a diff.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the host only needs to be in the inventory.
'''

EXAMPLES = r'''
- name: Check the inventory variables of every host before any change
  hosts: connectx_hosts
  any_errors_fatal: true
  gather_facts: false
  tasks:
    - name: Check the connectx_* variables
      homelab.connectx.inventory_check:

- name: Check a Windows far end's variables
  hosts: windows_hosts
  gather_facts: false
  tasks:
    - name: Check the connectx_* variables of the windows_host role
      homelab.connectx.inventory_check:
        roles: [windows_host]
'''

RETURN = r'''
checked:
  description: The variables the host defines that were checked.
  returned: success
  type: list
  elements: str
  sample: [connectx_firmware_image, connectx_interfaces, connectx_links]
unread:
  description: The variables whose value could not be templated before the roles run (left to the roles' own validation).
  returned: success
  type: list
  elements: str
msg:
  description: On failure, one sentence per bad variable, then C(Nothing has been changed.)
  returned: failure
  type: str
  sample: >-
    pve2: connectx_interfaces is the string 'ens1', but it must be a list of mappings with the keys name (required),
    address, mtu, bridge (Elements value for option 'connectx_interfaces' is of type str and we were unable to convert
    to dict: ...). Fix it where pve2 sets it. Nothing has been changed.
reason:
  description: V(inventory_invalid) for bad variables, V(roles_invalid) for a bad O(roles).
  returned: failure
  type: str
'''
