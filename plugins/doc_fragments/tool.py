# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The tool flavour option every card module shares (common.TOOL_OPTION).
    DOCUMENTATION = r'''
options:
  tool:
    description:
      - Which tool flavour to run.
      - V(auto) uses NVIDIA MFT (C(flint)) when C(flint) is on PATH, else Debian's C(mstflint).
    type: str
    default: auto
    choices: [auto, mstflint, mft]
requirements:
  - mstflint (Debian package C(mstflint); ConnectX-3 needs 4.21 to 4.25) or NVIDIA MFT (ConnectX-3 needs 4.32 or earlier)
'''
