#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx_image_info
short_description: Inspect a Mellanox/NVIDIA ConnectX firmware image file
description:
  - Queries a firmware image file with C(mstflint -i PATH q) (or MFT C(flint -i PATH q)) and verifies
    it with C(v), and returns its PSID, firmware version, image type, device IDs, ROM version and
    SHA-256.
  - Read-only; nothing is written anywhere.
  - Refuses with C(reason=not_found) when O(path) does not exist, and with C(reason=image_invalid) for a
    directory, an unreadable file, a file the tool does not recognise as an image or an image that does
    not verify.
version_added: 0.1.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.no_diff
  - homelab.connectx.tool
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  path:
    description:
      - Path of the firmware image file (for example a C(.bin) from the vendor) on the managed host.
    type: path
    required: true
notes:
  - Tools are run with an argument list and C(LC_ALL=C); nothing goes through a shell.
'''

EXAMPLES = r'''
- name: Inspect the image before burning it
  homelab.connectx.mlx_image_info:
    path: /root/fw/fw-ConnectX3-rel-2_42_5000-MCX354A-FCB_A2-A5-FlexBoot-3.4.752.bin
  register: image

- name: Show its PSID and version
  ansible.builtin.debug:
    msg: "{{ image.psid }} {{ image.fw_version }} sha256={{ image.sha256 }}"
'''

RETURN = r'''
psid:
  description: PSID of the image.
  returned: success
  type: str
  sample: MT_1090120019
fw_version:
  description: Firmware version in the image.
  returned: success
  type: str
  sample: 2.42.5000
image_type:
  description: Image format generation as printed by the tool.
  returned: success
  type: str
  sample: FS2
supported:
  description: Whether the collection supports burning this image generation (FS2 = ConnectX-3/3 Pro).
  returned: success
  type: bool
  sample: true
device_ids:
  description: PCI device IDs the image is built for, as printed by the tool.
  returned: success
  type: list
  elements: str
  sample: ["4099"]
rom_version:
  description: Expansion ROM (FlexBoot/PXE) version, null when the image carries no ROM.
  returned: success
  type: str
  sample: 3.4.752
description:
  description: Description column header printed by the tool (labels of the GUID/MAC columns).
  returned: success
  type: str
  sample: Node             Port1            Port2            Sys image
sha256:
  description: SHA-256 of the image file.
  returned: success
  type: str
  sample: 74aced6400c4cbc8b9542e7b08ea1f3157482da9be47b2b42cd73820034ef285
verified:
  description: Whether C(v) reported the image as bootable.
  returned: success
  type: bool
  sample: true
failsafe:
  description: Whether the image is a failsafe image, as reported by C(v).
  returned: success
  type: bool
  sample: true
tool:
  description: Which tool flavour was used.
  returned: always
  type: str
  sample: mstflint
reason:
  description: Machine-readable refusal reason.
  returned: failure
  type: str
  sample: image_invalid
commands:
  description: Commands that ran, with rc, stdout and stderr.
  returned: failure
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import TOOL_OPTION, select_flavour, binary
from ansible_collections.homelab.connectx.plugins.module_utils.firmware import inspect_image


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            tool=TOOL_OPTION,
        ),
        supports_check_mode=True,
    )
    runner = CommandRunner(module)
    flavour = select_flavour(runner, module.params['tool'])
    runner.find(binary(flavour, 'flint'))
    result = inspect_image(module, runner, flavour, module.params['path'])
    module.exit_json(changed=False, tool=flavour, **result)


if __name__ == '__main__':
    main()
