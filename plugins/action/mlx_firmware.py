# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin mlx_firmware: the firmware job of one host in one task (documentation: plugins/modules/mlx_firmware.py).

Per host, in this order, stopping at the first refusal:
1. the image's identity: from the controller cache (by sha256), else staged and read with mlx_image_info;
2. triage of the discovered cards (plugin_utils/firmware_job.py): cards at the target cost nothing;
3. per card not at the target: mlx_firmware_burn in check mode (every refusal: PSID pair, device, ports, a fit
   it cannot establish unless allow_unverified_fit names the card, checksum, tool support), mlx_firmware_backup
   with its checked copy on the controller, then the burn;
4. with backup_always, a backup of the other cards too;
5. the staged image is removed from the host, whatever happened.
The reboot is not done here: the result says whether the host must reboot (reboot_required); a burn (or a flash
already at the target but not running it) adds 'the new ConnectX firmware' to the host fact connectx_reboot_pending
and the cards to confirm after the reboot to connectx_reboot_expect (node_reboot reads both). Before the first burn
the reboot guard (plugins/plugin_utils/reboot.py) is asked whether the node may reboot afterwards.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import actions, backup, firmware_job, paths, reboot

BURN = 'homelab.connectx.mlx_firmware_burn'
BACKUP = 'homelab.connectx.mlx_firmware_backup'
IMAGE_INFO = 'homelab.connectx.mlx_image_info'

ARGUMENT_SPEC = dict(
    devices=dict(type='list', elements='dict', required=True),
    select=dict(type='list', elements='str', default=[]),
    image=dict(type='str', default=''),
    image_sha256=dict(type='str', default=''),
    allow_psid_change=dict(type='bool', default=False),
    allowed_psid_changes=dict(type='list', elements='dict', default=[]),
    force=dict(type='bool', default=False),
    allow_unverified_fit=dict(type='list', elements='str', default=[]),
    host_dir=dict(type='str', default='/var/lib/connectx'),
    backup_dest=dict(type='str', required=True),
    backup_items=dict(type='list', elements='str', default=[]),
    backup_always=dict(type='bool', default=False),
    cache_dir=dict(type='str', default=''),
    tool=dict(type='str', default='auto', choices=['auto', 'mstflint', 'mft']),
    reboot_check=dict(type='dict'),
    reboot_pending=dict(type='list', elements='str', default=[]),
    restore_image=dict(type='str', default=''),
    restore_device=dict(type='str', default=''),
    restore_other_card=dict(type='bool', default=False),
    preflight=dict(type='bool', default=False),
    tools_installed=dict(type='bool', default=True),
)
SHA256_RE = re.compile(r'[0-9a-fA-F]{64}\Z')
BDF_RE = re.compile(r'([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]\Z')


def settings_problems(args):
    """What is inconsistent in the firmware settings, in the inventory's words (empty: nothing)."""
    problems = []
    if args['image'] and not SHA256_RE.match(args['image_sha256'] or ''):
        problems.append('connectx_firmware_image needs connectx_firmware_image_sha256 (64 hex digits, from '
                        '`sha256sum <image>`)')
    if args['image'] and not args['backup_dest']:
        problems.append('connectx_firmware_image needs connectx_backup_dir (where the backups land on the controller)')
    if args['force'] and not args['image']:
        problems.append('connectx_firmware_force needs an image')
    wrong = [a for a in args['allow_unverified_fit'] if not BDF_RE.match(a)]
    if wrong:
        problems.append('connectx_firmware_unverified_fit lists PCI addresses of cards (0000:03:00.0 or 03:00.0), '
                        'not %s' % ', '.join(repr(a) for a in wrong))
    return problems


def describe(plan, image):
    """One line for the user: the target, then per card what was (or, in check mode, would be) done."""
    def what(entry):
        to = entry.get('to') or {}
        if entry.get('burned'):
            return 'burned %s %s (runs after the reboot)' % (to.get('psid'), to.get('fw_version'))
        if entry.get('burn'):
            return 'would back up, then burn %s %s' % (to.get('psid'), to.get('fw_version'))
        if entry.get('reboot_required'):
            return 'flash at the target, reboot pending'
        return 'at the target, left alone' if image else 'no image given, left alone'
    head = 'target %s %s: ' % (image.get('psid'), image.get('fw_version')) if image else ''
    return head + ('; '.join('%s %s' % (e['pci_address'], what(e)) for e in plan) or 'no card selected')


class JobFailed(Exception):
    def __init__(self, result):
        Exception.__init__(self, result.get('msg'))
        self.result = result


def _renamed(value, old, new):
    """``value`` with every string in it that holds ``old`` (the staged image's path) holding ``new`` instead."""
    if isinstance(value, dict):
        return dict((key, _renamed(item, old, new)) for key, item in value.items())
    if isinstance(value, list):
        return [_renamed(item, old, new) for item in value]
    if isinstance(value, str):
        return value.replace(old, new)
    return value


class ActionModule(ActionBase):
    TRANSFERS_FILES = False  # _stage makes the temporary directory only when the image must be copied

    def _module(self, name, args, task_vars, check=None):
        """Run a module of the collection on the host; check forces check mode on (True) for this call."""
        return actions.run_module(self, name, args, task_vars, self._inner, check=check)

    def _stage(self, image):
        """Copy the controller's image into the task's temporary directory on the host; returns its remote path."""
        tmpdir = self._connection._shell.tmpdir or self._make_tmp_path()
        remote = self._connection._shell.join_path(tmpdir, os.path.basename(image))
        # A refusal names the image as the user knows it (on the controller), not the staged copy's temporary path.
        self._staged_as = (remote, image)
        self._transfer_file(image, remote)
        self._fixup_perms2((tmpdir, remote))
        return remote

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        self._inner = result
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        check = bool(self._play_context.check_mode)
        job = {'cards': [], 'burned': [], 'pending': [], 'backups': {}, 'image': None, 'reboot_required': False}
        result.update(changed=False, modules_run=[], **job)
        try:
            self._run(args, task_vars or {}, check, result)
        except JobFailed as exc:
            # What was done before the failure stays in the result (a burn on an earlier card is a change).
            failed = dict(exc.result)
            failed.pop('changed', None)
            msg = failed.get('msg', 'the firmware job failed')
            staged = getattr(self, '_staged_as', None)
            if staged:
                msg = msg.replace(staged[0], staged[1])
                failed = _renamed(failed, staged[0], staged[1])
            if result['burned']:
                msg += (' Already burned in this run: %s - the host must reboot to run it (the backup is in %s).'
                        % (', '.join(result['burned']), args.get('backup_dest')))
            result.update(failed=True, msg=msg, reason=failed.get('reason', 'failed'), failed_result=failed)
        except (AnsibleError, OSError, ValueError) as exc:
            result.update(failed=True, reason='job_error',
                          msg='The firmware job of %s stopped: %s. Burned in this run: %s.'
                              % ((task_vars or {}).get('inventory_hostname'), to_text(exc),
                                 ', '.join(result['burned']) or 'nothing'))
        finally:
            if self._connection._shell.tmpdir:
                self._remove_tmp_path(self._connection._shell.tmpdir, force=True)
        return result

    def _run(self, args, task_vars, check, result):
        if args['preflight']:
            return self._preflight(args, task_vars, result)
        if not args['tools_installed']:
            return self._without_tools(args, result)
        base = task_vars.get('inventory_dir')
        try:
            image = paths.controller_path(args['image'], base, 'image')
            backup_dest = paths.controller_path(args['backup_dest'], base, 'backup_dest')
            cache_dir = paths.controller_path(args['cache_dir'], base, 'cache_dir')
        except paths.PathError as exc:
            raise JobFailed({'msg': '%s. Nothing was changed.' % exc, 'reason': 'path_invalid'})
        if args['restore_image']:
            try:
                restore = firmware_job.restore_job(paths.controller_path(args['restore_image'], base, 'restore_image'),
                                                   args['devices'], args['restore_device'], args['select'],
                                                   args['restore_other_card'])
            except (firmware_job.JobError, paths.PathError) as exc:
                raise JobFailed({'msg': to_text(exc), 'reason': getattr(exc, 'reason', 'path_invalid')})
            image = paths.controller_path(args['restore_image'], base, 'restore_image')
            args = dict(args, image_sha256=restore['sha256'], select=restore['select'], force=False,
                        allow_psid_change=restore['allow_psid_change'],
                        allowed_psid_changes=restore['allowed_psid_changes'],
                        allow_unverified_fit=args['allow_unverified_fit'] + restore['unverified_fit'])
        if image:
            try:
                firmware_job.check_image(image, args['image_sha256'])
            except firmware_job.JobError as exc:
                raise JobFailed({'msg': to_text(exc), 'reason': exc.reason})
        cards = firmware_job.select(args['devices'], args['select'])
        tool = args['tool']
        staged = []

        def stage():
            if not staged:
                staged.append(self._stage(image))
            return staged[0]

        todo, pending, done = [], [], list(cards)
        if image:
            sha = (args['image_sha256'] or '').strip().lower()
            identity = firmware_job.cached_identity(cache_dir, sha)
            if identity is None:
                read = self._module(IMAGE_INFO, {'path': stage(), 'tool': tool}, task_vars)
                if read.get('failed'):
                    raise JobFailed(read)
                if ((read.get('sha256') or '').lower() != sha or not read.get('supported', True)
                        or not read.get('psid') or not read.get('fw_version')):
                    raise JobFailed({'reason': 'checksum_mismatch' if (read.get('sha256') or '').lower() != sha
                                     else 'image_invalid',
                                     'msg': 'The image staged on %s has sha256 %s (the pin is %s), PSID %r, version %r, '
                                            'format %s; refused before any change.'
                                            % (task_vars.get('inventory_hostname'), read.get('sha256'), sha,
                                               read.get('psid'), read.get('fw_version'), read.get('image_type'))})
                # Check mode writes nothing on the controller either: the identity is cached by a real run.
                identity = (None if check else firmware_job.cache_identity(cache_dir, sha, read)) or read
            result['image'] = dict((k, identity.get(k)) for k in ('psid', 'fw_version', 'image_type', 'device_ids'))
            todo, pending, done = firmware_job.triage(cards, identity, args['force'])
        burn_args = {'image_sha256': args['image_sha256'] or None, 'allow_psid_change': args['allow_psid_change'],
                     'force': args['force'], 'tool': tool}
        if args['allowed_psid_changes']:
            burn_args['allowed_psid_changes'] = args['allowed_psid_changes']
        if args['allow_unverified_fit']:
            burn_args['allow_unverified_fit'] = args['allow_unverified_fit']
        backup_args = {'dest': os.path.join(args['host_dir'], 'backup'), 'tool': tool}
        if args['backup_items']:
            backup_args['items'] = args['backup_items']

        # Pass 1: the burn module's own check of every card (every refusal, for every card, before any write),
        # then the reboot check; pass 2: every backup with its controller copy; pass 3: the burns.
        plan, burns = [], []
        for card in todo:
            bdf = card['pci_address']
            precheck = self._module(BURN, dict(burn_args, device=bdf, image=stage(), skip_backup_check=True),
                                    task_vars, check=True)
            if precheck.get('failed'):
                raise JobFailed(dict(precheck, device=bdf))
            entry = {'pci_address': bdf, 'burn': bool(precheck.get('changed')), 'from': precheck.get('previous'),
                     'to': precheck.get('current') if precheck.get('changed') else precheck.get('previous'),
                     'reboot_required': bool(precheck.get('reboot_required'))}
            plan.append(entry)
            if precheck.get('diff'):
                result.setdefault('diff', []).append(dict(precheck['diff'], before_header='%s flash' % bdf,
                                                          after_header='%s flash after the burn' % bdf))
            if entry['burn']:
                burns.append((card, entry))
            elif entry['reboot_required']:
                result['pending'].append(bdf)
        result['cards'] = plan
        # A burn, or a flash already at the target that the card does not run yet (burned by an earlier run without the
        # reboot): the host will reboot for it, so it must be allowed to before anything is written (the port settings
        # that follow trust a pending firmware reboot to have been checked here).
        if (burns or pending or result['pending']) and args['reboot_check'] is not None:
            self._reboot_check(args['reboot_check'], task_vars,
                               'the burn' if burns else 'any change, for the firmware already on the flash')
        for card, entry in burns:
            self._backup(card, backup_args, backup_dest, task_vars, result)
        if burns and check:
            result['changed'] = result['reboot_required'] = True
        for card, entry in ([] if check else burns):
            bdf = card['pci_address']
            burn = self._module(BURN, dict(burn_args, device=bdf, image=stage(), backup_dir=backup_args['dest']),
                                task_vars)
            if burn.get('failed'):
                raise JobFailed(dict(burn, device=bdf))
            result['changed'] = result['changed'] or bool(burn.get('changed'))
            if burn.get('burned'):
                result['burned'].append(bdf)
            entry.update(to=burn.get('current'), burned=bool(burn.get('burned')))
            result['reboot_required'] = result['reboot_required'] or bool(burn.get('reboot_required'))
        for card in pending:
            plan.append({'pci_address': card['pci_address'], 'burn': False, 'from': None, 'to': None,
                         'reboot_required': True})
            result['pending'].append(card['pci_address'])
        if result['pending']:
            result['reboot_required'] = True
        for card in done:
            plan.append({'pci_address': card['pci_address'], 'burn': False, 'reboot_required': False,
                         'from': {'psid': card.get('psid'), 'fw_version': card.get('fw_version')}, 'to': None})
        if args['backup_always']:
            burning = set(card['pci_address'] for card, entry in burns)
            for card in cards:
                if card['pci_address'] not in burning:
                    self._backup(card, backup_args, backup_dest, task_vars, result)
        result['cards'] = plan
        result['msg'] = describe(plan, result['image'])
        self._facts(args, backup_dest, result)

    def _without_tools(self, args, result):
        """Check mode on a node without the tools: the flash cannot be read yet; the plan, nothing run on the host."""
        cards = ', '.join(c.get('pci_address', '?') for c in firmware_job.select(args['devices'], args['select']))
        image = args['restore_image'] or args['image']
        result['msg'] = '%s: a run would back up each card%s (the tools are not installed yet)' % (
            cards or 'no card', (', then burn %s where the PSID and version read then differ from the image\'s'
                                 % os.path.basename(image)) if image else '')

    def _preflight(self, args, task_vars, result):
        """The settings and the image on the controller, before any change on any host; nothing on the host."""
        problems = settings_problems(args)
        if problems:
            raise JobFailed({'reason': 'invalid_argument', 'msg': '%s: %s. Nothing has been changed.'
                                                                  % (task_vars.get('inventory_hostname'), '; '.join(problems))})
        if args['image']:
            try:
                image = paths.controller_path(args['image'], task_vars.get('inventory_dir'), 'image')
                firmware_job.check_image(image, args['image_sha256'])
            except paths.PathError as exc:
                raise JobFailed({'msg': '%s. Nothing was changed.' % exc, 'reason': 'path_invalid'})
            except firmware_job.JobError as exc:
                raise JobFailed({'msg': to_text(exc), 'reason': exc.reason})
        result['msg'] = ('the image %s matches its pin' % args['image']) if args['image'] else 'no image to burn'

    def _facts(self, args, backup_dest, result):
        """What the host must reboot for, and what to confirm after it (node_reboot reads both)."""
        if not result['reboot_required']:
            return
        expect = [{'pci_address': bdf, 'psid': (result['image'] or {}).get('psid'),
                   'fw_version': (result['image'] or {}).get('fw_version'), 'backup': backup_dest}
                  for bdf in result['burned'] + result['pending']]
        result['ansible_facts'] = {
            'connectx_reboot_pending': reboot.pending(args['reboot_pending'], reboot.FOR_FIRMWARE),
            'connectx_reboot_expect': expect}

    def _reboot_check(self, options, task_vars, before):
        """Before the first burn: may the node reboot afterwards (Proxmox VE quorum, guests)? Read-only."""
        refused = reboot.refusal(self, task_vars, self._inner, options, before)
        if refused is not None:
            raise JobFailed(refused)

    def _backup(self, card, backup_args, folder, task_vars, result):
        bdf = card['pci_address']
        check = bool(self._play_context.check_mode)
        module = self._module(BACKUP, dict(backup_args, device=bdf, return_content=not check), task_vars)
        contents = dict((item, entry.pop('content', None)) for item, entry in (module.get('files') or {}).items()
                        if isinstance(entry, dict))
        host_sums = module.pop('sha256sums_content', None)
        if module.get('failed'):
            raise JobFailed(dict(module, device=bdf))
        result['changed'] = result['changed'] or bool(module.get('changed'))
        if check:
            result['backups'][bdf] = {'would_write': module.get('written', [])}
            return
        files = dict((item, dict(entry, content=contents.get(item))) for item, entry in module.get('files', {}).items())
        try:
            copies, written = backup.store(folder, files, host_sums)
        except backup.BackupCopyError as exc:
            raise JobFailed({'msg': to_text(exc), 'reason': exc.reason, 'device': bdf})
        result['changed'] = result['changed'] or bool(written)
        result['backups'][bdf] = {'controller_files': copies, 'controller_written': written}
