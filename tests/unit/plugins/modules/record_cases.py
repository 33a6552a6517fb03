# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the YAML cases of the firmware modules from real runs (a developer tool, not a test).

    .venv/bin/python tests/unit/plugins/modules/record_cases.py              # every case, the files rewritten
    .venv/bin/python tests/unit/plugins/modules/record_cases.py --only ID ...  # these cases, replaced in place

Cases written by hand (after a ``#`` comment line) are only kept by ``--only``, which replaces or appends the cases
it names and leaves the rest of each file as it is.

Each case runs the module in-process against an emulated card (tests/lab/emulator) and records every
command it runs with the real mstflint 4.21's rc and output. For the MFT flavour the commands are
recorded as MFT runs them (flint, mlxconfig, mlxvpd -d) and executed with their mstflint twins, which
share flint's code and print the same lines. The replay (module_harness.py) then checks the exact argv,
in order, and the result keys listed in ``expected``. Files the module only hashes or hands to a tool
(images, backups) are short stand-ins in the replay; the sysfs attributes the module reads are copied.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
EMU = os.path.join(REPO, 'tests', 'lab', 'emulator')
sys.path.insert(0, os.path.join(REPO, 'tests', 'unit'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab', 'firmware'))
# conftest makes the collection importable as ansible_collections.homelab.connectx.
import conftest  # noqa: E402  pylint: disable=wrong-import-position
import build_image  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible.module_utils import basic  # noqa: E402  pylint: disable=wrong-import-position
from module_args import patch_module_args  # noqa: E402  pylint: disable=wrong-import-position,import-error

BDF = '0000:03:00.0'
MFT_TWINS = {'flint': 'mstflint', 'mlxconfig': 'mstconfig', 'mlxvpd': 'mstvpd'}
SYSFS_FILES = ('vendor', 'device', 'current_link_speed', 'current_link_width', 'max_link_speed', 'max_link_width')


class Recorder(object):
    def __init__(self, tmp, root):
        self.tmp, self.root, self.calls = tmp, root, []

    def sub(self, text):
        return text.replace(self.tmp, '{tmp}') if isinstance(text, str) else text

    def run_command(self, module, args, **kwargs):
        argv = [str(a) for a in args]
        real = list(argv)
        name = os.path.basename(real[0])
        if name == 'mst':  # no twin in mstflint: the real `mst status -v` of a fixture (it lists 03:00.0)
            text = conftest.load_fixture('mst/mft-mst-status-v-4x-cx3pro.txt')[0]
            text = text[text.index('MST modules:'):]
            self.calls.append({'command': argv, 'rc': 0, 'out': text, 'err': ''})
            return 0, text, ''
        if name in MFT_TWINS:
            real[0] = shutil.which(MFT_TWINS[name])
            if name == 'mlxvpd' and real[1:2] == ['-d']:
                del real[1]
        before = set(os.listdir(self.tmp_dirs(argv)))
        env = dict(os.environ, LD_PRELOAD=os.path.join(EMU, 'libfakemlx.so'), FAKEMLX_ROOT=self.root)
        env.update(kwargs.get('environ_update') or {})
        res = subprocess.run(real, env=env, capture_output=True, text=True, input=kwargs.get('data'), check=False)
        call = {'command': [self.sub(a) for a in argv], 'rc': res.returncode, 'out': self.sub(res.stdout),
                'err': self.sub(res.stderr)}
        for path in sorted(set(os.listdir(self.tmp_dirs(argv))) - before):
            full = os.path.join(self.tmp_dirs(argv), path)
            call['write_file'] = {'path': self.sub(full), 'text': 'stand-in for what %s %s wrote\n' % (name, argv[-2])}
        self.calls.append(call)
        return res.returncode, res.stdout, res.stderr

    def run_command_method(self):
        recorder = self

        def run_command(module, args, **kwargs):
            return recorder.run_command(module, args, **kwargs)
        return run_command

    def tmp_dirs(self, argv):
        """The directory where a command may write its output file (the last argument's folder)."""
        last = argv[-1]
        folder = os.path.dirname(last) if last.startswith(self.tmp) else self.tmp
        return folder if os.path.isdir(folder) else self.tmp


def sysfs_files(root, netdev_files=False):
    base = os.path.join(root, 'sys', 'bus', 'pci', 'devices', BDF)
    files = {}
    for name in SYSFS_FILES:
        with open(os.path.join(base, name)) as handle:
            files['sys/%s/%s' % (BDF, name)] = handle.read()
    netdevs = sorted(os.listdir(os.path.join(base, 'net')))
    if netdev_files:  # the netdevs' dev_port (what the burn module reads of the ports)
        for name in netdevs:
            with open(os.path.join(base, 'net', name, 'dev_port')) as handle:
                files['sys/%s/net/%s/dev_port' % (BDF, name)] = handle.read()
    return files, ['sys/%s/net/%s' % (BDF, n) for n in netdevs]


def build(tmp, entry):
    """An image for a spec: a preset name, or {name, preset, and build_image.build overrides}; returns (name, path)."""
    entry = {'name': entry, 'preset': entry} if isinstance(entry, str) else dict(entry)
    name, preset = entry.pop('name'), entry.pop('preset')
    path = os.path.join(tmp, name + '.bin')
    with open(path, 'wb') as handle:
        handle.write(build_image.build(preset, **entry))
    return name, path


def modes_of(tmp, rels):
    """{rel: '0700'} of the paths under tmp that exist (the modes a real run left)."""
    return dict((rel, '%04o' % stat.S_IMODE(os.stat(os.path.join(tmp, rel)).st_mode)) for rel in rels
                if os.path.exists(os.path.join(tmp, rel)))


def stand_in_tree(tmp, rel_dir):
    """Replace every file under tmp/rel_dir by a stand-in; a SHA256SUMS is recomputed over them."""
    folder = os.path.join(tmp, rel_dir)
    files, sums = {}, {}
    for name in sorted(os.listdir(folder)):
        if name == 'SHA256SUMS' or name.startswith('.'):
            continue
        text = 'stand-in for %s\n' % name
        files['%s/%s' % (rel_dir, name)] = text
        sums[name] = hashlib.sha256(text.encode()).hexdigest()
    if os.path.exists(os.path.join(folder, 'SHA256SUMS')):
        files['%s/SHA256SUMS' % rel_dir] = ''.join('%s  %s\n' % (sums[n], n) for n in sorted(sums))
    return files


def record(spec):
    """Run one case spec; return the YAML case."""
    mod = __import__('ansible_collections.homelab.connectx.plugins.modules.%s' % spec['module'], fromlist=['main'])
    tmp = tempfile.mkdtemp(prefix='cxrec-')
    root = os.path.join(tmp, 'emu')
    try:
        card = dict({'preset': 'MCX354A-QCBT', 'netdevs': 'ens1,ens1d1'}, **spec.get('card', {}))
        create = [sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', root, 'create', '--bdf', BDF,
                  '--preset', card['preset'], '--pcie-speed', '8', '--pcie-width', '4', '--netdevs', card['netdevs']]
        if card.get('psid'):
            create += ['--psid', card['psid']]
        if card.get('image'):  # the card's flash: an image built for it (build() overrides), e.g. another PRS
            create += ['--image', build(tmp, dict(card['image'], name='card-flash', preset=card['preset']))[1]]
        subprocess.run(create, check=True, capture_output=True)
        if card.get('image'):
            os.unlink(os.path.join(tmp, 'card-flash.bin'))
        images = dict(build(tmp, entry) for entry in spec.get('images', []))
        for step in spec.get('setup', []):
            step(tmp, root, images)
        pre_files = {}
        for rel in spec.get('stand_in_dirs', []):
            pre_files.update(stand_in_tree(tmp, rel))
        pre_modes = modes_of(tmp, spec.get('modes', []))
        args = json.loads(json.dumps(spec['args']).replace('{tmp}', tmp))
        rec = Recorder(tmp, root)
        flavour = spec['args'].get('tool', 'mstflint')
        bins = dict({} if flavour == 'mft' else {'flint': None}, **spec.get('bins', {}))
        saved = (basic.AnsibleModule.run_command, basic.AnsibleModule.get_bin_path, getattr(mod, 'SYSFS_PCI', None),
                 basic._ANSIBLE_PROFILE, getattr(mod, 'LOCK_DIR', None))  # pylint: disable=protected-access
        basic.AnsibleModule.run_command = rec.run_command_method()
        basic.AnsibleModule.get_bin_path = lambda self, arg, required=False, opt_dirs=None: (
            None if bins.get(arg, '') is None else '/usr/bin/' + arg)
        basic._ANSIBLE_PROFILE = 'legacy'  # pylint: disable=protected-access
        if hasattr(mod, 'SYSFS_PCI'):
            mod.SYSFS_PCI = os.path.join(root, 'sys', 'bus', 'pci', 'devices')
        if hasattr(mod, 'LOCK_DIR'):  # the burn's lock: in the case's directory, not the machine's /run/lock
            mod.LOCK_DIR = tmp
        out = tempfile.TemporaryFile('w+')
        real_stdout = sys.stdout
        sys.stdout = out
        try:
            with patch_module_args(dict(args, _ansible_check_mode=spec.get('check_mode', False), _ansible_diff=True)):
                try:
                    mod.main()
                except SystemExit:
                    pass
        finally:
            sys.stdout = real_stdout
            basic.AnsibleModule.run_command, basic.AnsibleModule.get_bin_path = saved[0], saved[1]
            basic._ANSIBLE_PROFILE = saved[3]  # pylint: disable=protected-access
            if saved[2] is not None:
                mod.SYSFS_PCI = saved[2]
            if saved[4] is not None:
                mod.LOCK_DIR = saved[4]
        out.seek(0)
        result = json.loads(out.read())
        files, dirs = sysfs_files(root, netdev_files=spec.get('netdev_files', False))
        for rel in spec.get('image_args', []):
            files[rel] = 'stand-in for the firmware image %s\n' % rel
        files.update(pre_files)
        expected = dict((k, json.loads(json.dumps(result[k]).replace(tmp, '{tmp}'))) for k in spec['expected'] if k in result)
        missing = [k for k in spec['expected'] if k not in result]
        assert not missing, '%s: result has no %s: %s' % (spec['id'], missing, result)
        for key, value in spec.get('must', {}).items():
            assert result.get(key) == value, '%s: %s is %r, not %r (%s)' % (spec['id'], key, result.get(key), value, result.get('msg'))
        patch = {'SYSFS_PCI': '{tmp}/sys'}
        if hasattr(mod, 'LOCK_DIR'):
            patch['LOCK_DIR'] = '{tmp}'
        case = {'id': spec['id'], 'args': spec['args'], 'check_mode': spec.get('check_mode', False), 'bins': bins,
                'patch': patch, 'files': files, 'dirs': dirs, 'run_command_calls': rec.calls, 'expected': expected}
        if pre_modes:
            case['modes'] = pre_modes
        if 'modes_after' in spec:
            case['modes_after'] = modes_of(tmp, spec['modes_after'])
        if 'absent' in spec:
            case['absent'] = spec['absent']
        if 'comment' in spec:
            case['comment'] = spec['comment']
        if 'files_after' in spec:
            case['files_after'] = spec['files_after']
        return case
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def backup_first(tmp, root, images):
    """Setup step: a real backup of the card in tmp/backup."""
    del images
    env = dict(os.environ, LD_PRELOAD=os.path.join(EMU, 'libfakemlx.so'), FAKEMLX_ROOT=root,
               PYTHONPATH=os.path.join(REPO, 'tests', 'output', '.pytest-collections'))
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': {'device': BDF, 'dest': os.path.join(tmp, 'backup'), 'tool': 'mstflint'}}, handle)
    subprocess.run([sys.executable, os.path.join(REPO, 'plugins', 'modules', 'mlx_firmware_backup.py'), handle.name],
                   env=env, check=True, capture_output=True)
    os.unlink(handle.name)


def burn_first(tmp, root, images):
    """Setup step: the FCBT image already burned (the card still runs the old firmware)."""
    env = dict(os.environ, LD_PRELOAD=os.path.join(EMU, 'libfakemlx.so'), FAKEMLX_ROOT=root)
    subprocess.run(['mstflint', '-d', BDF, '-i', images['MCX354A-FCBT'], '-allow_psid_change', '-y', 'burn'], env=env,
                   check=True, capture_output=True)
    del tmp


def fault(name):
    def step(tmp, root, images):
        del tmp, images
        subprocess.run([sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', root, 'fault', '--bdf', BDF, 'set', name],
                       check=True, capture_output=True)
    return step


def burn_specs():
    specs = []
    for flavour in ('mstflint', 'mft'):
        base = {'device': '03:00.0', 'image': '{tmp}/MCX354A-FCBT.bin', 'backup_dir': '{tmp}/backup', 'tool': flavour}
        common = {'module': 'mlx_firmware_burn', 'images': ['MCX354A-FCBT'], 'image_args': ['MCX354A-FCBT.bin']}
        specs += [
            dict(common, id='%s_crossflash' % flavour, setup=[backup_first], stand_in_dirs=['backup'],
                 args=dict(base, allow_psid_change=True), must={'burned': True},
                 expected=['changed', 'burned', 'previous', 'current', 'running', 'reboot_required', 'diff']),
            dict(common, id='%s_check_mode_burns_nothing' % flavour, setup=[backup_first], stand_in_dirs=['backup'],
                 check_mode=True, args=dict(base, allow_psid_change=True), must={'changed': True, 'burned': False},
                 expected=['changed', 'burned', 'previous', 'current', 'reboot_required', 'diff']),
            dict(common, id='%s_psid_change_not_allowed' % flavour, setup=[backup_first], stand_in_dirs=['backup'],
                 args=base, must={'reason': 'psid_change_not_allowed'}, expected=['failed', 'reason', 'msg']),
        ]
    common = {'module': 'mlx_firmware_burn', 'images': ['MCX354A-FCBT'], 'image_args': ['MCX354A-FCBT.bin']}
    base = {'device': '03:00.0', 'image': '{tmp}/MCX354A-FCBT.bin', 'backup_dir': '{tmp}/backup', 'tool': 'mstflint'}
    specs += [
        dict(common, id='pair_not_allowlisted', setup=[backup_first], stand_in_dirs=['backup'],
             args=dict(base, allow_psid_change=True, allowed_psid_changes=[{'from': 'MT_1090110018', 'to': 'MT_1100120019'}]),
             must={'reason': 'psid_pair_not_allowlisted'}, expected=['failed', 'reason', 'msg']),
        dict(common, id='no_backup', args=dict(base, allow_psid_change=True), must={'reason': 'no_backup'},
             expected=['failed', 'reason', 'msg', 'backup']),
        dict(common, id='checksum_mismatch', setup=[backup_first], stand_in_dirs=['backup'],
             args=dict(base, allow_psid_change=True, image_sha256='0' * 64), must={'reason': 'checksum_mismatch'},
             expected=['failed', 'reason']),
        dict(common, id='pending_reboot_is_not_burned_again', setup=[backup_first, burn_first], stand_in_dirs=['backup'],
             args=dict(base, allow_psid_change=True), must={'changed': False},
             expected=['changed', 'burned', 'reboot_required', 'running', 'current']),
        dict(common, id='cx3pro_image_device_mismatch', images=['HP-544PFLR'], image_args=['HP-544PFLR.bin'],
             setup=[backup_first], stand_in_dirs=['backup'],
             args=dict(base, image='{tmp}/HP-544PFLR.bin', allow_psid_change=True), must={'reason': 'device_mismatch'},
             expected=['failed', 'reason', 'msg']),
        dict(common, id='no_device', args=dict(base, device='0000:04:00.0'), must={'reason': 'no_device'},
             expected=['failed', 'reason']),
        dict(common, id='flash_write_error_burn_failed', setup=[backup_first, fault('flash_write_error_at=0x90000')],
             stand_in_dirs=['backup'], args=dict(base, allow_psid_change=True), must={'reason': 'burn_failed'},
             expected=['failed', 'reason', 'tool_reason']),
        # The burn reports success; a byte of the new image decays after it, and `-d X v` finds the wrong CRC.
        dict(common, id='flash_decay_verify_failed', setup=[backup_first, fault('flash_decay_at=0x90000')],
             stand_in_dirs=['backup'], args=dict(base, allow_psid_change=True), must={'reason': 'verify_failed'},
             expected=['failed', 'reason', 'msg'], absent=['burned', 'reboot_required', 'changed']),
    ]
    return specs


def fit_specs():
    """Does the image fit the card: OEM cards and images whose PSID the board table does not know (issue 19)."""
    burn = {'module': 'mlx_firmware_burn', 'netdev_files': True}
    base = {'device': '03:00.0', 'backup_dir': '{tmp}/backup', 'tool': 'mstflint', 'allow_psid_change': True}
    # An OEM single-port card: the MCX353A-FCBT board with a PSID the table does not know; one netdev.
    oem353 = {'preset': 'MCX353A-FCBT', 'psid': 'LAB1100120019'}
    # An OEM dual-port ConnectX-3 Pro card whose PSID, VPD part number (764285-B21) and PRS name say nothing of its
    # ports, and only its first port has a netdev: its port count cannot be established.
    oem_pro = {'preset': 'HP-544PFLR', 'psid': 'LAB1380110017', 'netdevs': 'ens1',
               'image': {'psid': 'LAB1380110017', 'prs': 'synthetic.prs'}}
    fcct = dict(base, image='{tmp}/MCX354A-FCCT.bin',
                allowed_psid_changes=[{'from': 'LAB1380110017', 'to': 'MT_1090111019'}])
    return [
        dict(burn, id='oem_single_port_card_dual_port_image_refused', card=oem353, images=['MCX354A-FCBT'],
             image_args=['MCX354A-FCBT.bin'],
             comment='The incident of issue 19: an OEM single-port card (PSID not in the board table), a dual-port image, '
                     'the pair allowlisted. The VPD part number (MCX353A) says one port: refused, nothing written.',
             args=dict(base, image='{tmp}/MCX354A-FCBT.bin',
                       allowed_psid_changes=[{'from': 'LAB1100120019', 'to': 'MT_1090120019'}]),
             must={'reason': 'device_mismatch'}, expected=['failed', 'reason', 'msg', 'fit']),
        dict(burn, id='oem_single_port_card_opt_in_does_not_override_a_misfit', card=oem353, images=['MCX354A-FCBT'],
             image_args=['MCX354A-FCBT.bin'],
             args=dict(base, image='{tmp}/MCX354A-FCBT.bin', allow_unverified_fit=['0000:03:00.0'],
                       allowed_psid_changes=[{'from': 'LAB1100120019', 'to': 'MT_1090120019'}]),
             must={'reason': 'device_mismatch'}, expected=['failed', 'reason']),
        dict(burn, id='oem_card_ports_from_part_number_fit', card=oem353, images=['MCX353A-FCBT'],
             image_args=['MCX353A-FCBT.bin'], check_mode=True,
             comment='The same OEM card and a single-port image: the VPD part number (MCX353A) establishes the fit, '
                     'no opt-in needed.',
             args=dict(base, image='{tmp}/MCX353A-FCBT.bin', skip_backup_check=True,
                       allowed_psid_changes=[{'from': 'LAB1100120019', 'to': 'MT_1100120019'}]),
             must={'changed': True}, expected=['changed', 'burned', 'current', 'fit']),
        dict(burn, id='oem_card_ports_from_netdevs_fit', card={'preset': 'MCX354A-QCBT', 'psid': 'LAB1090110018'},
             images=['MCX354A-FCBT'], image_args=['MCX354A-FCBT.bin'], check_mode=True,
             comment='An OEM PSID on a card with a netdev on port 2: two ports, established without reading more.',
             args=dict(base, image='{tmp}/MCX354A-FCBT.bin', skip_backup_check=True,
                       allowed_psid_changes=[{'from': 'LAB1090110018', 'to': 'MT_1090120019'}]),
             must={'changed': True}, expected=['changed', 'burned', 'current', 'fit']),
        dict(burn, id='oem_card_unknown_ports_fit_unknown', card=oem_pro, images=['MCX354A-FCCT'],
             image_args=['MCX354A-FCCT.bin'],
             comment='Nothing establishes the port count of the card (PSID, part number and PRS name unknown, one '
                     'netdev): refused with the facts of both sides.',
             args=fcct, must={'reason': 'fit_unknown'}, expected=['failed', 'reason', 'msg', 'fit']),
        dict(burn, id='mft_oem_card_unknown_ports_fit_unknown', card=oem_pro, images=['MCX354A-FCCT'],
             image_args=['MCX354A-FCCT.bin'], args=dict(fcct, tool='mft'), must={'reason': 'fit_unknown'},
             expected=['failed', 'reason', 'fit']),
        dict(burn, id='oem_card_unknown_ports_burned_with_opt_in', card=oem_pro, images=['MCX354A-FCCT'],
             image_args=['MCX354A-FCCT.bin'], setup=[backup_first], stand_in_dirs=['backup'],
             comment='The same card named in allow_unverified_fit: burned (with a warning).',
             args=dict(fcct, allow_unverified_fit=['03:00.0']), must={'burned': True},
             expected=['changed', 'burned', 'current', 'fit']),
        dict(burn, id='oem_image_unknown_ports_fit_unknown',
             images=[{'name': 'LAB-image', 'preset': 'MCX354A-FCBT', 'psid': 'LAB1090120019', 'prs': 'synthetic.prs'}],
             image_args=['LAB-image.bin'],
             comment='An image whose PSID and PRS name say nothing of its ports, on a known card: refused.',
             args=dict(base, image='{tmp}/LAB-image.bin',
                       allowed_psid_changes=[{'from': 'MT_1090110018', 'to': 'LAB1090120019'}]),
             must={'reason': 'fit_unknown'}, expected=['failed', 'reason', 'msg']),
        dict(burn, id='single_port_image_on_dual_port_card_refused', images=['MCX353A-FCBT'],
             image_args=['MCX353A-FCBT.bin'],
             comment='A single-port image on a dual-port card (both in the board table): refused, its port 2 would '
                     'go dark.',
             args=dict(base, image='{tmp}/MCX353A-FCBT.bin',
                       allowed_psid_changes=[{'from': 'MT_1090110018', 'to': 'MT_1100120019'}]),
             must={'reason': 'device_mismatch'}, expected=['failed', 'reason', 'msg']),
        dict(burn, id='unverified_fit_not_a_pci_address', images=['MCX354A-FCBT'], image_args=['MCX354A-FCBT.bin'],
             comment='Refused before anything runs: "true" is not a card.',
             args=dict(base, image='{tmp}/MCX354A-FCBT.bin', allow_unverified_fit=['true']),
             must={'reason': 'invalid_argument'}, expected=['failed', 'reason', 'msg']),
    ]


def other_specs():
    specs = []
    for flavour in ('mstflint', 'mft'):
        specs += [
            {'module': 'mlx_firmware_backup', 'id': '%s_backup_all_items' % flavour,
             'args': {'device': '03:00.0', 'dest': '{tmp}/backup', 'tool': flavour}, 'must': {'changed': True},
             'expected': ['changed', 'written', 'psid', 'fw_version', 'base_guid', 'sha256sums'],
             'modes_after': ['backup', 'backup/SHA256SUMS']},
            {'module': 'mlx_config', 'id': '%s_set_link_types' % flavour,
             'args': {'device': '03:00.0', 'settings': {'LINK_TYPE_P1': 'ETH', 'LINK_TYPE_P2': 'eth', 'SRIOV_EN': False},
                      'tool': flavour}, 'must': {'changed': True},
             'expected': ['changed', 'before', 'after', 'changed_settings', 'reboot_required', 'diff']},
            {'module': 'mlx_device_info', 'id': '%s_discovery' % flavour, 'args': {'tool': flavour},
             'expected': ['changed', 'devices', 'tool']},
        ]
    specs += [
        {'module': 'mlx_firmware_backup', 'id': 'existing_backup_not_rewritten', 'setup': [backup_first],
         'stand_in_dirs': ['backup'], 'modes': ['backup', 'backup/SHA256SUMS'],
         'args': {'device': '03:00.0', 'dest': '{tmp}/backup', 'tool': 'mstflint'},
         'must': {'changed': False}, 'expected': ['changed', 'written']},
        {'module': 'mlx_firmware_backup', 'id': 'check_mode_writes_nothing', 'check_mode': True,
         'args': {'device': '03:00.0', 'dest': '{tmp}/backup', 'tool': 'mstflint'}, 'must': {'changed': True},
         'expected': ['changed', 'written']},
        {'module': 'mlx_firmware_backup', 'id': 'backup_no_device',
         'args': {'device': '05:00.0', 'dest': '{tmp}/backup', 'tool': 'mstflint'}, 'must': {'reason': 'no_device'},
         'expected': ['failed', 'reason']},
        # A fresh node in check mode: no card tool yet; the card is listed from sysfs, nothing is run.
        {'module': 'mlx_device_info', 'id': 'mstflint_not_installed', 'check_mode': True, 'args': {'tool': 'mstflint'},
         'bins': {'mstflint': None, 'mstconfig': None, 'mstvpd': None},
         'must': {'changed': False}, 'expected': ['changed', 'devices', 'tool']},
        {'module': 'mlx_config', 'id': 'check_mode_sets_nothing', 'check_mode': True,
         'args': {'device': '03:00.0', 'settings': {'LINK_TYPE_P1': 2}, 'tool': 'mstflint'}, 'must': {'changed': True},
         'expected': ['changed', 'changed_settings', 'before']},
        {'module': 'mlx_config', 'id': 'unknown_setting', 'args': {'device': '03:00.0', 'settings': {'FOO': 1}},
         'must': {'reason': 'unknown_setting'}, 'expected': ['failed', 'reason', 'settings']},
        {'module': 'mlx_config', 'id': 'value_out_of_range', 'args': {'device': '03:00.0', 'settings': {'NUM_OF_VFS': 500}},
         'must': {'reason': 'invalid_value'}, 'expected': ['failed', 'reason', 'msg']},
        {'module': 'mlx_config', 'id': 'unknown_word', 'args': {'device': '03:00.0', 'settings': {'LINK_TYPE_P2': 'ethernet'}},
         'must': {'reason': 'invalid_value'}, 'expected': ['failed', 'reason']},
        # mstconfig set reports success, the card keeps the old value: the read-back fails the run.
        {'module': 'mlx_config', 'id': 'nv_write_lost_verify_failed', 'setup': [fault('nv_write_lost=1')],
         'args': {'device': '03:00.0', 'settings': {'LINK_TYPE_P1': 'ETH'}, 'tool': 'mstflint'},
         'must': {'reason': 'verify_failed'}, 'expected': ['failed', 'reason', 'msg', 'after'],
         'absent': ['changed', 'changed_settings', 'reboot_required']},
        # ri reports success with a flipped bit in what it read: the image does not verify, nothing is kept.
        {'module': 'mlx_firmware_backup', 'id': 'corrupt_read_back_backup_invalid', 'setup': [fault('flash_read_flip_at=0x10000')],
         'args': {'device': '03:00.0', 'dest': '{tmp}/backup', 'tool': 'mstflint'}, 'must': {'reason': 'backup_invalid'},
         'expected': ['failed', 'reason', 'msg'], 'absent': ['changed', 'files', 'written'],
         'files_after': {'backup/SHA256SUMS': None, 'backup/MT_1090110018_2.40.5030_0002c90300a0b0c0.image': None,
                         'backup/.MT_1090110018_2.40.5030_0002c90300a0b0c0.image.partial': None}},
    ]
    return specs


def case_blocks(text):
    """{id: (start, end)} line ranges of the top-level cases of a YAML case file (a case ends where the next one, or
    the comment before it, starts)."""
    lines = text.splitlines(True)
    starts = [i for i, line in enumerate(lines) if line.startswith('- id: ')]
    blocks = {}
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        while end > start + 1 and lines[end - 1].startswith('#'):
            end -= 1
        blocks[lines[start][len('- id: '):].strip()] = (start, end)
    return blocks


def dump(case):
    """The YAML of one case, with its comment lines (spec ``comment``) above it."""
    case = dict(case)
    comment = case.pop('comment', None)
    text = yaml.safe_dump([case], sort_keys=False, width=160, allow_unicode=True)
    if comment:
        words, lines = comment.split(), ['#']
        for word in words:
            if len(lines[-1]) + len(word) + 1 > 118:
                lines.append('#')
            lines[-1] += ' ' + word
        text = ''.join(line + '\n' for line in lines) + text
    return text


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    only = argv[1:] if argv[:1] == ['--only'] else None
    subprocess.run(['make', '-s', '-C', EMU], check=True)
    header = ('# Recorded by tests/unit/plugins/modules/record_cases.py: real mstflint 4.21 runs against the card emulator\n'
              '# (MFT cases: the commands MFT runs, answered by their mstflint twins; `mst status -v` by fixture\n'
              '# mst/mft-mst-status-v-4x-cx3pro.txt). Replayed by module_harness.py.\n')
    specs = burn_specs() + fit_specs() + other_specs()
    if only is not None:
        unknown = sorted(set(only) - set(spec['id'] for spec in specs))
        assert not unknown, 'no such case: %s' % ', '.join(unknown)
        specs = [spec for spec in specs if spec['id'] in only]
    by_module = {}
    for spec in specs:
        by_module.setdefault(spec['module'], []).append(record(spec))
    for name, cases in by_module.items():
        path = os.path.join(HERE, '%s.yaml' % name)
        if only is None:
            text = header + ''.join(dump(case) for case in cases)
        else:
            with open(path) as handle:
                text = handle.read()
            for case in cases:
                lines = text.splitlines(True)
                blocks = case_blocks(text)
                if case['id'] in blocks:
                    start, end = blocks[case['id']]
                    floor = len(header.splitlines()) if text.startswith(header) else 0
                    while start > floor and lines[start - 1].startswith('#'):
                        start -= 1
                    text = ''.join(lines[:start]) + dump(case) + ''.join(lines[end:])
                else:
                    text = text + dump(case)
        with open(path, 'w') as handle:
            handle.write(text)
        print('wrote %d cases for %s' % (len(cases), name))


if __name__ == '__main__':
    main()
