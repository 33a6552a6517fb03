# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Every module of the collection: full check mode, POSIX hosts. With it, one of DIFF or NO_DIFF.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description: Can run in check_mode and return changed status prediction without modifying target.
  platform:
    support: full
    platforms: posix
    description: Target OS/families that can be operated against.
'''

    # homelab.connectx.attributes.diff: the module returns a diff (what it changed or would change).
    DIFF = r'''
attributes:
  diff_mode:
    support: full
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    # homelab.connectx.attributes.no_diff: nothing to show as a diff.
    NO_DIFF = r'''
attributes:
  diff_mode:
    support: none
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''
