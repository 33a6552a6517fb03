# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""win_copy from the controller: the source must exist there (as the real action); the destination is then on the host."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.plugins.action import ActionBase
from ansible_collections.ansible.windows.plugins.module_utils import replay


class ActionModule(ActionBase):

    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(src=self._task.args.get('src'), dest=self._task.args.get('dest'))
        check = self._task.check_mode
        if not args['src'] or not os.path.isfile(args['src']):
            replay.record('win_copy', args, check, failed=True)
            result.update(failed=True, msg='could not find src=%s' % args['src'])
            return result
        replay.record('win_copy', args, check)
        result.update(changed=True, dest=args['dest'], src=args['src'], checksum=None)
        return result
