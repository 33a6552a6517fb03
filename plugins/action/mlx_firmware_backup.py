# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of mlx_firmware_backup: the backup on the host and its checked copy on the controller, one task.

With ``controller_dest`` the module also returns the bytes of the backup files (one call on the host, no
fetch per file); plugins/plugin_utils/backup.py checks and writes them on the controller. Without it, the
module runs as it is.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import backup, paths

MODULE = 'homelab.connectx.mlx_firmware_backup'


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        folder = args.pop('controller_dest', None)
        args.pop('return_content', None)
        if folder and not self._play_context.check_mode:
            args['return_content'] = True
        try:
            module = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        contents = {}
        for item, entry in (module.get('files') or {}).items():
            if isinstance(entry, dict) and 'content' in entry:
                contents[item] = entry.pop('content')
        host_sums = module.pop('sha256sums_content', None)
        result.update(module)
        if not folder or module.get('failed') or self._play_context.check_mode:
            return result
        try:
            folder = paths.controller_path(folder, (task_vars or {}).get('inventory_dir'), 'controller_dest')
        except paths.PathError as exc:
            result.update(failed=True, msg='%s. Nothing was burned.' % exc, reason='controller_dest_invalid')
            return result
        files = dict((item, dict(entry, content=contents.get(item))) for item, entry in module.get('files', {}).items())
        try:
            copies, written = backup.store(folder, files, host_sums)
        except backup.BackupCopyError as exc:
            result.update(failed=True, msg=str(exc), reason=exc.reason, changed=module.get('changed', False))
            return result
        result.update(controller_files=copies, controller_written=written,
                      changed=bool(module.get('changed')) or bool(written))
        return result
