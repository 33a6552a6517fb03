# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin node_reboot: the collection's one reboot of a host, in one task (documentation:
plugins/modules/node_reboot.py).

1. pve_reboot_guard phase=before (quorum, HA maintenance, guests; it refuses before any change);
2. ansible.builtin.reboot's own action, with the task's reboot options;
3. pve_reboot_guard phase=after on a Proxmox VE node (back in a quorate cluster, maintenance left, guests started);
   when 2 or 3 fails, the preparation is undone as far as the node lets it, and the failure says what is left;
4. mlx_device_info again (the cards after the reboot), when ``discover`` is given; its failure is not a failed reboot.
Check mode: step 1 in check mode only (its refusals are reported), nothing else.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import actions

GUARD = 'homelab.connectx.pve_reboot_guard'
DISCOVER = 'homelab.connectx.mlx_device_info'
REBOOT = 'ansible.builtin.reboot'
UNDO_TIMEOUT = 60

ARGUMENT_SPEC = dict(
    reasons=dict(type='list', elements='str', default=[]),
    reboot_timeout=dict(type='int', default=900),
    reboot_command=dict(type='str'),
    boot_time_command=dict(type='str'),
    guests=dict(type='str', default='refuse', choices=['refuse', 'shutdown']),
    parallel=dict(type='int', default=1),
    discover=dict(type='dict'),
)


def left_to_do(host, guard, undo):
    """The sentence after a failed reboot: what the undo did, or what is left to do by hand."""
    stopped = guard.get('stopped_guests') or []
    if not (guard.get('maintenance_entered') or stopped):
        return ''
    if undo is not None and not undo.get('failed'):
        return ' The HA maintenance was left and the stopped guests were started again.'
    guests = ', '.join(str(g.get('vmid')) for g in stopped) or 'no guest'
    return (' Left to do by hand: leave the HA maintenance (ha-manager crm-command node-maintenance disable %s) '
            'and start %s.' % (host, guests))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _module(self, name, args, task_vars, check=False):
        return actions.run_module(self, name, args, task_vars, self._result, check=check)

    def _guard_after(self, guard, clustered, timeout, task_vars):
        """pve_reboot_guard phase=after for what the before phase did (the return to the cluster, or the undo after a
        failure); a connection that fails is a failed result, not an exception."""
        try:
            return self._module(GUARD, {'phase': 'after', 'clustered': clustered,
                                        'maintenance': bool(guard.get('maintenance_entered')),
                                        'start_guests': guard.get('stopped_guests') or [],
                                        'wait_timeout': timeout}, task_vars)
        except AnsibleError as exc:
            return {'failed': True, 'msg': to_text(exc)}

    def _reboot(self, args, task_vars):
        """ansible.builtin.reboot's action, on this task's connection, with only its own options."""
        task = self._task.copy()
        task.args = dict((k, v) for k, v in (
            ('msg', 'homelab.connectx - rebooting for %s' % (' and '.join(args['reasons']) or 'the ConnectX changes')),
            ('reboot_timeout', args['reboot_timeout']),
            ('reboot_command', args['reboot_command']),
            ('boot_time_command', args['boot_time_command'])) if v is not None)
        action = self._shared_loader_obj.action_loader.get(
            REBOOT, task=task, connection=self._connection, play_context=self._play_context, loader=self._loader,
            templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        self._result['modules_run'].append('reboot')
        return action.run(task_vars=task_vars)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        self._result = result
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        host = task_vars.get('inventory_hostname')
        guard_args = {'guests': args['guests'], 'parallel': args['parallel']}
        result.update(changed=False, rebooted=False, guard={}, discovery=None, modules_run=[])
        try:
            self._run(args, guard_args, host, task_vars, result)
        except AnsibleError as exc:
            result.update(failed=True, reason='reboot_failed',
                          msg='The reboot of %s stopped: %s.' % (host, to_text(exc)))
        return result

    def _run(self, args, guard_args, host, task_vars, result):
        check = bool(self._play_context.check_mode)
        guard = self._module(GUARD, dict(guard_args, phase='before'), task_vars, check=check)
        result['guard'] = guard
        if guard.get('failed'):
            result.update(failed=True, msg=guard.get('msg'), reason=guard.get('reason', 'failed'))
            return
        if check:
            result.update(changed=True, msg='%s would reboot for %s.' % (host, ' and '.join(args['reasons']) or '?'))
            return
        result['changed'] = bool(guard.get('changed'))
        failure = None
        reboot = self._reboot(args, task_vars)
        result['elapsed'] = reboot.get('elapsed')
        if reboot.get('failed'):
            failure = reboot.get('msg') or 'the reboot failed'
        else:
            result.update(changed=True, rebooted=True)
            if guard.get('proxmox'):
                after = self._guard_after(guard, guard.get('cluster') is not None, args['reboot_timeout'], task_vars)
                result['guard_after'] = after
                if after.get('failed'):
                    failure = after.get('msg') or 'the return to the cluster failed'
        if failure is not None:
            undo = None
            if guard.get('proxmox') and (guard.get('maintenance_entered') or guard.get('stopped_guests')):
                undo = self._guard_after(guard, False, UNDO_TIMEOUT, task_vars)
                result['undo'] = undo
            result.update(failed=True, reason='reboot_failed',
                          msg='The reboot of %s failed: %s.%s' % (host, failure.rstrip('.'), left_to_do(host, guard, undo)))
            return
        result['msg'] = '%s rebooted for %s.' % (host, ' and '.join(args['reasons']) or 'the ConnectX changes')
        if args['discover'] is not None:
            found = self._module(DISCOVER, args['discover'], task_vars)
            result['discovery'] = found
            if found.get('failed'):
                result.update(failed=True, reason=found.get('reason', 'discovery_failed'),
                              msg='%s rebooted, but the cards could not be discovered after it: %s'
                                  % (host, found.get('msg')))
