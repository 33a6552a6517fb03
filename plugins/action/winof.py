# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin winof: the ConnectX-3 cards of a Windows host, their driver, and WinOF installed when asked
(documentation: plugins/modules/winof.py).

In this order, stopping at the first refusal:
1. the checks (plugin_utils/winof.py): a Windows host; with install, an installer given and present on the controller
   or (ansible.windows.win_stat) on the host. With preflight, nothing more;
2. the detection script through ansible.windows.win_powershell (read-only, in check mode too), read by
   parse_windows.inventory;
3. when asked, allowed (not a read-only --tags run) and needed (no WinOF driver on a card): ansible.windows.win_copy's
   action for an installer on the controller, ansible.windows.win_package, ansible.windows.win_reboot's action when the
   installer exits 3010 and reboot is true, and the detection again. Check mode: only the plan.
The inventory becomes the host fact connectx_windows (link_evaluate's ``windows``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.plugin_utils import actions, parse_windows, paths, winof

display = Display()

POWERSHELL = 'ansible.windows.win_powershell'
STAT = 'ansible.windows.win_stat'
COPY = 'ansible.windows.win_copy'
PACKAGE = 'ansible.windows.win_package'
REBOOT = 'ansible.windows.win_reboot'
FACT = 'connectx_windows'

ARGUMENT_SPEC = dict(
    preflight=dict(type='bool', default=False),
    ends=dict(type='list', elements='dict', default=[]),
    install=dict(type='bool', default=False),
    package=dict(type='str', default=''),
    remote_dir=dict(type='str', default='C:\\Windows\\Temp'),
    arguments=dict(type='str', default='/S /v"/qn MT_SKIPFWUPGRD=1"'),
    product_id=dict(type='str', default=''),
    reboot=dict(type='bool', default=True),
    reboot_timeout=dict(type='int', default=900),
    provider=dict(type='str', default='Mellanox'),
    install_tags=dict(type='list', elements='str', default=list(winof.INSTALL_TAGS)),
)


class Refused(Exception):
    """A refusal: its message and reason code become the task's msg and reason."""

    def __init__(self, msg, reason, **extra):
        super(Refused, self).__init__(msg)
        self.msg, self.reason, self.extra = msg, reason, extra


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _module(self, name, args, task_vars, result, check=None):
        """Run a module on the host; ``check`` False runs it for real in check mode too (read-only modules)."""
        return actions.run_module(self, name, args, task_vars, result, check=bool(check), read_only=check is False)

    def _action(self, name, args, task_vars, result):
        """Run another action plugin (win_copy, win_reboot) on this task's connection, with only its own arguments."""
        return actions.run_action(self, name, args, task_vars, result)

    def _checks(self, args, host, task_vars, result):
        """The refusals before any change; the installer ({on_host, src, path}) when one is to be installed."""
        problem = winof.not_windows(host, task_vars)
        if problem:
            raise Refused(problem, 'not_windows')
        if not args['install']:
            return None
        if not args['package'].strip():
            raise Refused(winof.no_installer(), 'no_installer')
        try:
            package = winof.installer(args['package'].strip(), args['remote_dir'],
                                      task_vars.get('inventory_dir') or task_vars.get('playbook_dir'))
        except paths.PathError as exc:
            raise Refused('%s. %s' % (exc, winof.UNCHANGED), 'installer_path')
        if package['on_host']:
            stat = self._module(STAT, {'path': package['src'], 'get_checksum': False}, task_vars, result, check=False)
            if stat.get('failed'):
                raise Refused('could not look for the WinOF installer %s on %s: %s. %s'
                              % (package['src'], host, stat.get('msg'), winof.UNCHANGED), 'installer_stat_failed')
            present = bool((stat.get('stat') or {}).get('exists'))
        else:
            present = os.path.isfile(package['src'])
        if not present:
            raise Refused(winof.installer_missing(package, host), 'installer_missing')
        return package

    def _detect(self, args, task_vars, result):
        out = self._module(POWERSHELL, {'script': winof.DETECT_SCRIPT,
                                        'parameters': {'Names': winof.adapter_names(args['ends'])}},
                           task_vars, result, check=False)
        if out.get('failed'):
            raise Refused('the detection script failed: %s' % (out.get('msg') or '; '.join(map(str, out.get('error') or []))),
                          'detect_failed')
        try:
            return parse_windows.inventory(out.get('output'), args['provider'])
        except ParseError as exc:
            raise Refused(str(exc), exc.reason, output=exc.output)

    def _install(self, args, package, host, task_vars, result):
        """Copy (from the controller), run the installer, reboot when it asks and that is allowed."""
        if not package['on_host']:
            copied = self._action(COPY, {'src': package['src'], 'dest': package['path']}, task_vars, result)
            if copied.get('failed'):
                raise Refused('could not copy the WinOF installer %s to %s:%s: %s'
                              % (package['src'], host, package['path'], copied.get('msg')), 'copy_failed')
        ran = self._module(PACKAGE, winof.package_args(package['path'], args['arguments'], args['product_id']),
                           task_vars, result)
        if ran.get('failed'):
            msg = 'the WinOF installer %s %s failed on %s: %s' % (package['path'], args['arguments'], host, ran.get('msg'))
            raise Refused(msg, 'install_failed', rc=ran.get('rc'))
        result['installed'] = True
        result['reboot_required'] = bool(ran.get('reboot_required'))
        if not result['reboot_required']:
            return
        if not args['reboot']:
            result.setdefault('warnings', []).append(winof.reboot_pending_message(host))
            return
        rebooted = self._action(REBOOT, {'reboot_timeout': args['reboot_timeout'], 'msg': winof.REBOOT_MSG},
                                task_vars, result)
        if rebooted.get('failed'):
            raise Refused('%s did not come back from the reboot after the WinOF install: %s' % (host, rebooted.get('msg')),
                          'reboot_failed')
        result['rebooted'] = True
        result['reboot_required'] = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        host = task_vars.get('inventory_hostname') or '?'
        check = bool(self._task.check_mode)
        result.update(changed=False, modules_run=[], installed=False, rebooted=False, reboot_required=False)
        try:
            read_only = winof.read_only_run(task_vars.get('ansible_run_tags'), task_vars.get('ansible_skip_tags'),
                                            args['install_tags'])
            package = self._checks(dict(args, install=args['install'] and not read_only), host, task_vars, result)
            if args['preflight']:
                result['msg'] = '%s: the host and the WinOF settings are fine.' % host
                return result
            inv = self._detect(args, task_vars, result)
            status = inv['status']
            if winof.wants_install(status, args['install'], read_only):
                if check:
                    result['msg'] = winof.plan_message(package['path'], args['arguments'], status)
                    result['changed'] = True
                    display.display(result['msg'])
                else:
                    self._install(args, package, host, task_vars, result)
                    result['changed'] = True
                    inv = self._detect(args, task_vars, result)
                result['diff'] = {'before': 'driver: %s\n' % status,
                                  'after': 'driver: winof (%s %s)\n' % (package['path'], args['arguments'])}
        except Refused as exc:
            result.update(exc.extra)
            result.update(failed=True, msg=exc.msg, reason=exc.reason)
            return result
        result['status'] = inv['status']
        result['ansible_facts'] = {FACT: inv}
        for line in inv['messages']:
            display.display('%s: %s' % (host, line))
        for sentence in winof.ipoib_warnings(inv):
            result.setdefault('warnings', []).append(sentence)
        result.setdefault('msg', winof.status_message(host, inv))
        if inv['status'] != 'winof':
            if check:
                result.setdefault('warnings', []).append(
                    'check mode, nothing was installed: %s' % '; '.join(inv['messages']))
            elif not args['ends']:
                # No link end to report: nothing is lost from the report by failing now (with ends, each end carries
                # the finding and link_check's assertion fails after the report is written).
                result.update(failed=True, msg=winof.status_message(host, inv), reason=inv['status'])
        return result
