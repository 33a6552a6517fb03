# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin connectx_tools: the tools role's work on one host in one task (documentation:
plugins/modules/connectx_tools.py). The decisions are plugin_utils/tools_plan.py's; this file applies them, in order,
stopping at the first refusal:

1. the checks before any change (a Debian system; the MFT packages on the controller, their Package and Version);
   with ``preflight: true`` nothing else;
2. the plan from the discovery: what is missing, the route of the pinned mstflint, the hold;
3. when a reboot may follow and the tool is not there yet: the reboot guard (plugin_utils/reboot.py), before the
   install, so that a node that may not reboot is left exactly as it was;
4. the bookworm route's apt files (ansible.builtin.copy's action), apt for what is missing (only then: a converged
   host runs no apt), on failure the route's files removed and the refusal with the fix; the hold
   (ansible.builtin.dpkg_selections);
5. the MFT flavour: its .deb files copied to the host and installed (ansible.builtin.apt ``deb``);
6. after an install, the discovery again (plugin_utils/discovery.py), returned as the host facts;
7. the checks once the tool should be there: installed, a card present, ConnectX-3 supported.
Check mode: the same steps in check mode, nothing installed; the result says what a run would install.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import actions, discovery, reboot, tools_plan

COPY = 'ansible.builtin.copy'
FILE = 'ansible.builtin.file'
APT = 'ansible.builtin.apt'
DPKG_SELECTIONS = 'ansible.builtin.dpkg_selections'
BEFORE_INSTALL = 'installing the firmware tools, as this run may reboot the node for the firmware or the port settings'

ARGUMENT_SPEC = dict(
    cards=dict(type='list', elements='dict', default=[]),
    tools_state=dict(type='dict', default={}),
    node=dict(type='dict', default={}),
    preflight=dict(type='bool', default=False),
    tool=dict(type='str', default='mstflint', choices=list(discovery.TOOLS)),
    mstflint_package=dict(type='str', default=discovery.MSTFLINT_PACKAGE),
    extra_packages=dict(type='list', elements='str', default=list(discovery.EXTRA_PACKAGES)),
    hold=dict(type='bool', default=True),
    bookworm_uri=dict(type='str', default='http://deb.debian.org/debian'),
    bookworm_signed_by=dict(type='str', default='/usr/share/keyrings/debian-archive-keyring.pgp'),
    bookworm_trusted=dict(type='bool', default=False),
    mft_packages=dict(type='list', elements='str', default=[]),
    host_dir=dict(type='str', default='/var/lib/connectx'),
    require_devices=dict(type='bool', default=True),
    reboot_may_follow=dict(type='bool', default=False),
    reboot=dict(type='bool', default=True),
    reboot_guests=dict(type='str', default='refuse', choices=['refuse', 'shutdown']),
    reboot_parallel=dict(type='int', default=1),
)


class Stop(Exception):
    """A failed result to return as it is (the reboot guard's refusal, a module that failed)."""

    def __init__(self, result):
        Exception.__init__(self, result.get('msg'))
        self.result = result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _module(self, name, args, task_vars):
        return actions.run_module(self, name, args, task_vars, self._result)

    def _action(self, name, args, task_vars):
        """Another action (ansible.builtin.copy), on this task's connection, with check mode and diff carried."""
        return actions.run_action(self, name, args, task_vars, self._result)

    def _changed(self, out):
        """Fold a step's result into the task's: changed, diff; a failed step stops the task."""
        if out.get('failed'):
            raise Stop(out)
        if out.get('changed'):
            self._result['changed'] = True
        diff = out.get('diff')
        if diff and self._task.diff:
            self._result.setdefault('diff', []).extend(diff if isinstance(diff, list) else [diff])
        return out

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        self._result = result
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        host = task_vars.get('inventory_hostname')
        result.update(changed=False, modules_run=[], lines=[], plan={}, installed=[])
        try:
            self._run(args, host, bool(self._play_context.check_mode), task_vars)
        except tools_plan.Refusal as exc:
            result.update(exc.result())
        except Stop as exc:
            failed = dict((k, v) for k, v in exc.result.items() if k not in ('changed', 'invocation'))
            failed['failed'] = True
            failed.setdefault('reason', 'failed')
            result.update(failed)
        except ValueError as exc:
            result.update(failed=True, reason='invalid_option',
                          msg='The tools step of %s was refused: %s. Nothing has been changed.'
                              % (host, to_text(exc).rstrip('.')))
        except AnsibleError as exc:
            result.update(failed=True, reason='tools_failed',
                          msg='The tools step of %s stopped: %s.' % (host, to_text(exc).rstrip('.')))
        finally:
            if self._connection._shell.tmpdir:
                self._remove_tmp_path(self._connection._shell.tmpdir, force=True)
        return result

    def _run(self, args, host, check, task_vars):
        result = self._result
        tool, cards, state = args['tool'], args['cards'], args['tools_state']
        node = args['node']
        base = task_vars.get('inventory_dir') or task_vars.get('playbook_dir')
        mft = tools_plan.mft_paths(args['mft_packages'], base) if tool == 'mft' else []
        for warning in tools_plan.preflight(host, tool, node.get('os'), cards, mft):
            result.setdefault('warnings', []).append(warning)
        if args['preflight']:
            result['msg'] = '%s: the tool settings are fit for this host.' % host
            return
        plan = tools_plan.plan(tool, args['mstflint_package'], args['extra_packages'], args['hold'],
                               node.get('packages'), node.get('os'), args['bookworm_uri'], args['bookworm_signed_by'],
                               args['bookworm_trusted'])
        result['plan'] = dict(plan, route=dict(plan['route'], files=sorted(plan['route']['files'])))
        if args['reboot_may_follow'] and cards and not state.get('installed'):
            guard = {'guests': args['reboot_guests'], 'parallel': args['reboot_parallel']} if args['reboot'] else None
            refused = reboot.refusal(self, task_vars, result, guard, BEFORE_INSTALL)
            if refused is not None:
                raise Stop(refused)
        if plan['apt']:
            self._packages(args, plan, host, check, node, task_vars)
        mft_changed = self._mft(args, mft, check, task_vars) if tool == 'mft' else False
        if not check and (plan['missing'] or mft_changed):
            module_args = discovery.module_args(tool, args['mstflint_package'], args['extra_packages'],
                                                discovery.connection_address(self._templar, task_vars))
            found = self._module(discovery.DEVICE_INFO, module_args, task_vars)
            if found.get('failed'):
                raise Stop(dict(found, msg='The tools were installed on %s, but the cards could not be discovered '
                                           'again: %s' % (host, found.get('msg'))))
            facts = discovery.facts(found, module_args)
            result['ansible_facts'] = facts
            cards, state = facts['connectx_cards'], facts['connectx_tools_state']
        # The lines first: a refusal below keeps them in its result (the cards and the tool it refused).
        result['lines'] = tools_plan.summary(host, tool, plan, cards, state, check, args['hold'])
        tools_plan.after_install(host, tool, state, cards, args['require_devices'], check)
        result['msg'] = ' '.join(result['lines'])

    def _packages(self, args, plan, host, check, node, task_vars):
        """The bookworm route's files (kept in place on every run), the install of what is missing, the hold."""
        route = plan['route']
        for path in sorted(route['files']):
            self._changed(self._action(COPY, {'dest': path, 'content': route['files'][path], 'owner': 'root',
                                              'group': 'root', 'mode': '0644'}, task_vars))
        if plan['missing'] and check:
            self._result['changed'] = True  # what a run would install: the summary says it
        elif plan['missing']:
            out = self._module(APT, {'name': plan['missing'], 'state': 'present', 'allow_downgrade': True,
                                     'allow_change_held_packages': True, 'update_cache': True}, task_vars)
            if out.get('failed'):
                # A bookworm source that did not give the package is not left behind for every later apt run.
                for path in sorted(route['files']):
                    removed = self._module(FILE, {'path': path, 'state': 'absent'}, task_vars)
                    if removed.get('changed'):
                        self._result['changed'] = True
                raise tools_plan.Refusal('install_failed', tools_plan.install_failure(
                    route, plan['missing'], host, apt_message=out.get('msg'),
                    system=(node.get('os') or {}).get('pretty_name'), package=args['mstflint_package']), apt=out)
            self._changed(out)
            self._result['installed'] = list(plan['missing'])
        # Check mode installs nothing: a package that is not there yet cannot be put on hold.
        if plan['hold'] and not (check and args['mstflint_package'] in plan['missing']):
            self._changed(self._module(DPKG_SELECTIONS, {'name': plan['hold_name'], 'selection': 'hold'}, task_vars))

    def _mft(self, args, mft, check, task_vars):
        """The MFT .deb files staged on the host and installed; whether the install changed the host. In check mode a
        package not on the host yet is not handed to apt (there is no file to read): it would be installed."""
        folder = os.path.join(args['host_dir'], 'packages')
        self._changed(self._module(FILE, {'path': folder, 'state': 'directory', 'owner': 'root', 'group': 'root',
                                          'mode': '0700'}, task_vars))
        changed = False
        for path in mft:
            dest = os.path.join(folder, os.path.basename(path))
            copied = self._changed(self._action(COPY, {'src': path, 'dest': dest, 'owner': 'root', 'group': 'root',
                                                       'mode': '0600'}, task_vars))
            if check and copied.get('changed'):
                changed = self._result['changed'] = True
                continue
            if self._changed(self._module(APT, {'deb': dest}, task_vars)).get('changed'):
                changed = True
                self._result['installed'].append(os.path.basename(path))
        return changed
