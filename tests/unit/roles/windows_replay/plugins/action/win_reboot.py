# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""win_reboot: notes the reboot (in check mode, nothing), and the host is back at once."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible_collections.ansible.windows.plugins.module_utils import replay


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict((k, self._task.args.get(k)) for k in ('reboot_timeout', 'msg'))
        replay.record('win_reboot', args, self._task.check_mode)
        result.update(changed=True, rebooted=not self._task.check_mode, elapsed=0)
        return result
