# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller-side helpers refuse wrongly-typed arguments with their own error, never AttributeError, KeyError or
TypeError: firmware_job (JobError), backup (BackupCopyError), paths (PathError), inputs (InputsError) and the network
filter (AnsibleFilterError). The action plugins' typed arguments keep such values away today; these tests keep the
helpers safe when the typing moves.

Each helper is called with good arguments except one, which gets each of WRONG in turn (and the values of
NESTED_WRONG where the argument is a container); the call may succeed or raise the helper's documented error.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.connectx.plugins.filter import network as network_filter
from ansible_collections.homelab.connectx.plugins.plugin_utils import backup, firmware_job, inputs, paths

WRONG = [None, 1, 1.5, True, 'str', b'bytes', [], {}, {'unrelated': 1}, [None], [1], ['str'], [{}], [{'unrelated': 1}],
         {'unrelated': None}, 10 ** 5000]
WRONG_IDS = ['None', '1', '1.5', 'True', 'str', 'bytes', 'empty list', 'empty dict', 'dict missing keys', '[None]', '[1]',
             "['str']", '[{}]', '[dict missing keys]', 'dict of None', 'huge int']

IMAGE_BYTES = b'image'
SHA = hashlib.sha256(IMAGE_BYTES).hexdigest()
GUID = '0002c90300a1b2c0'
BACKUP = 'MT_1090110018_2.40.5030_%s.image' % GUID
CARD = {'pci_address': '0000:03:00.0', 'psid': 'MT_1090120019', 'fw_version': '2.42.5000', 'fw_version_running': None,
        'base_guid': GUID}
TARGET = {'psid': 'MT_1090120019', 'fw_version': '2.42.5000'}
NETWORK = {'default_route': ['vmbr0'], 'connection': ['vmbr0'], 'lower': {'vmbr0': ['eno1']}, 'upper': {'eno1': ['vmbr0']}}


def entry(name, data):
    return {'path': '/var/lib/connectx/backup/' + name, 'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data),
            'content': base64.b64encode(data).decode('ascii')}


@pytest.fixture(scope='module')
def place(tmp_path_factory):
    """Files the good arguments point at: an image, a backup listed in its SHA256SUMS, an image cache."""
    root = tmp_path_factory.mktemp('helpers')
    (root / 'fw.bin').write_bytes(IMAGE_BYTES)
    folder = root / 'backups' / 'pve1'
    folder.mkdir(parents=True)
    (folder / BACKUP).write_bytes(IMAGE_BYTES)
    (folder / 'SHA256SUMS').write_text('%s  %s\n' % (SHA, BACKUP))
    return {'image': str(root / 'fw.bin'), 'backup': str(folder / BACKUP), 'folder': str(folder),
            'cache': str(root / 'cache'), 'store': str(root / 'store'), 'root': str(root)}


@pytest.fixture(autouse=True)
def elsewhere(tmp_path, monkeypatch):
    """'str' is a relative path to some helpers (a folder, a cache): it lands in a temporary directory, not the tree."""
    monkeypatch.chdir(str(tmp_path))


def helpers(place):
    """{name: (function, good positional arguments, the errors it may raise)}."""
    files = {'image': entry(BACKUP, IMAGE_BYTES)}
    sums = '%s  %s\n' % (SHA, BACKUP)
    job = (firmware_job.JobError,)
    copy = (backup.BackupCopyError,)
    return {
        'firmware_job.check_image': (firmware_job.check_image, [place['image'], SHA], job),
        'firmware_job.restore_job': (firmware_job.restore_job, [place['backup'], [CARD], '', None, False], job),
        'firmware_job.short_bdf': (firmware_job.short_bdf, ['0000:03:00.0'], job),
        'firmware_job.select': (firmware_job.select, [[CARD], ['03:00.0']], job),
        'firmware_job.triage': (firmware_job.triage, [[CARD], TARGET, False], job),
        'firmware_job.cached_identity': (firmware_job.cached_identity, [place['cache'], SHA], job),
        'firmware_job.cache_identity': (firmware_job.cache_identity, [place['cache'], SHA, dict(TARGET, sha256=SHA)], job),
        'backup.parse_sums': (backup.parse_sums, [sums], copy),
        'backup.read_sums': (backup.read_sums, [place['folder']], copy),
        # A string that names no file is a string: reading it is an OSError, as for any file that cannot be read.
        'backup.sha256_of': (backup.sha256_of, [place['image']], copy + (OSError,)),
        'backup.received': (backup.received, [files, sums], copy),
        'backup.store': (backup.store, [place['store'], files, sums], copy),
        'paths.controller_path': (paths.controller_path, ['fw.bin', place['root'], 'connectx_firmware_image'],
                                  (paths.PathError,)),
        'inputs.argument_specs': (inputs.argument_specs, [inputs.ROLES_DIR], (inputs.InputsError,)),
        'inputs.load_specs': (inputs.load_specs, [['tools', 'firmware:restore'], inputs.ROLES_DIR], (inputs.InputsError,)),
        'inputs.entry_points': (inputs.entry_points, [inputs.ROLES_DIR], (inputs.InputsError,)),
        'inputs.known_variables': (inputs.known_variables, [inputs.ROLES_DIR], (inputs.InputsError,)),
        'inputs.known_roles': (inputs.known_roles, [inputs.ROLES_DIR], (inputs.InputsError,)),
        'inputs.expected': (inputs.expected, [{'type': 'list', 'elements': 'str', 'choices': ['a']}], (inputs.InputsError,)),
        'inputs.shown': (inputs.shown, ['value', 80], (inputs.InputsError,)),
        'inputs.check': (inputs.check, ['pve1', inputs.load_specs(['tools']), {'connectx_tool': 'mft'}, inputs.known_variables(),
                                        True], (inputs.InputsError,)),
        'network.connectx_protected_interfaces': (network_filter.connectx_protected_interfaces, [NETWORK, 'vmbr9'],
                                                  (AnsibleFilterError,)),
    }


# Wrong values inside the containers the helpers take: a card, a file entry, the network's parts.
NESTED_WRONG = {
    'firmware_job.restore_job': {1: [[{'pci_address': 1}], [dict(CARD, psid=1)], [dict(CARD, base_guid=['x'])]],
                                 3: [['03:00.0', None], '03:00.0']},
    'firmware_job.select': {0: [[{'pci_address': None}], [{'psid': 'x'}], [dict(CARD, pci_address=['x'])]],
                            1: ['03:00.0', [('03:00.0',)], {'03:00.0': 1}]},
    'firmware_job.triage': {0: [[dict(CARD, fw_version=2.42)], [dict(CARD, fw_version_running={})]],
                            1: [{'psid': 'x'}, {'psid': 1, 'fw_version': 2}, {'psid': None, 'fw_version': None}]},
    'firmware_job.cache_identity': {2: [{'sha256': 1}, {'psid': {}}]},
    'backup.received': {0: [{'image': []}, {'image': {'path': 1}}, {'image': {'path': '/x/a', 'sha256': 5}},
                            {'image': {'path': '/x/a', 'sha256': SHA, 'content': 7}}, {1: {}}, {'image': 'str'}]},
    'backup.store': {1: [{'image': {'path': ['x']}}, {'image': 1}]},
    'inputs.load_specs': {0: [['no_such_role'], ['tools:no_such_entry'], [1], 'tools', ('tools', None)]},
    'inputs.expected': {0: [{'type': ['str']}, {'type': 'dict', 'options': ['a']}, {'type': 'dict', 'options': {'a': 'b'}},
                            {'type': 'str', 'choices': 'abc'}, {'elements': {}}]},
    'inputs.check': {1: [{'connectx_tool': 'str'}, {1: {}}, {'connectx_tool': None}, {'connectx_tool': {'type': 'dict', 'options': {'a': 'b'}}},
                         {'connectx_tool': {'options': {'a': {'options': ['b']}}}}], 2: [{1: 'x'}, {None: 'x'}],
                     3: [[1], 'connectx_tool', {'connectx_tool': 1}]},
    'network.connectx_protected_interfaces': {0: [{'default_route': 'eth0'}, {'connection': 'eth0'},
                                                  {'default_route': [None]}, {'default_route': [['eth0']]},
                                                  {'default_route': ['vmbr0'], 'lower': []},
                                                  {'default_route': ['vmbr0'], 'lower': {'vmbr0': 'eno1'}},
                                                  {'default_route': ['vmbr0'], 'upper': {'vmbr0': [{}]}},
                                                  {'default_route': ['vmbr0'], 'lower': 'vmbr0'},
                                                  {'default_route': ['vmbr0'], 'upper': {1: ['x']}},
                                                  {'default_route': {'vmbr0': 1}}]},
}

HELPERS = sorted(helpers({'image': '', 'backup': '', 'folder': '', 'cache': '', 'store': '', 'root': ''}))
ARITY = dict((name, len(args)) for name, (fn, args, errors) in
             helpers({'image': '', 'backup': '', 'folder': '', 'cache': '', 'store': '', 'root': ''}).items())
CASES = ([pytest.param(name, position, value, id='%s-arg%d-%s' % (name, position, vid))
          for name in HELPERS for position in range(ARITY[name]) for value, vid in zip(WRONG, WRONG_IDS)]
         + [pytest.param(name, position, value, id='%s-arg%d-nested%d' % (name, position, i))
            for name, positions in sorted(NESTED_WRONG.items()) for position, values in sorted(positions.items())
            for i, value in enumerate(values)])


def call(place, name, position, value):
    function, args, errors = helpers(place)[name]
    args = list(args)
    args[position] = value
    try:
        function(*args)
    except errors as exc:
        assert str(exc), name
        return exc
    except (AttributeError, KeyError, TypeError, IndexError) as exc:
        pytest.fail('%s(arg %d = %r) raised %s: %s' % (name, position, type(value), type(exc).__name__, exc))
    return None


@pytest.mark.parametrize('name', HELPERS)
def test_the_good_arguments_are_good(place, name):
    function, args, errors = helpers(place)[name]
    function(*args)


@pytest.mark.parametrize('name, position, value', CASES)
def test_a_wrong_type_is_refused_with_the_helpers_own_error(place, name, position, value):
    call(place, name, position, value)


@pytest.mark.parametrize('name, position, value, words', [
    ('firmware_job.select', 1, '03:00.0', "the selected cards must be a list of PCI addresses (strings), got str '03:00.0'"),
    ('firmware_job.select', 0, None, 'cards must be a list of the discovered cards'),
    ('firmware_job.select', 0, [{'psid': 'x'}], 'each of the cards must be a mapping with a pci_address string'),
    ('firmware_job.triage', 1, {'psid': 'x'}, "the target must be a mapping with the image's psid and fw_version"),
    ('firmware_job.triage', 2, 'yes', 'force must be true or false'),
    ('firmware_job.triage', 0, [dict(CARD, fw_version=2.42)], 'fw_version of the card 0000:03:00.0 must be a string or null'),
    ('firmware_job.restore_job', 4, 'no', 'restore_other_card must be true or false'),
    ('firmware_job.check_image', 0, 1, 'the image path must be a path on the controller (a non-empty string), got int 1'),
    ('firmware_job.cache_identity', 2, None, 'the image identity must be a mapping'),
    ('firmware_job.short_bdf', 0, 3, 'the PCI address must be a string, got int 3'),
    ('backup.store', 1, None, 'the backup files must be a mapping of each backup item'),
    ('backup.store', 0, 1, 'the backup folder must be a path on the controller (a non-empty string), got int 1'),
    ('backup.received', 0, {'image': {'path': 1}}, 'path of the backup file image must be a string'),
    ('backup.sha256_of', 0, 1, 'the file to checksum must be a path on the controller'),
    ('backup.parse_sums', 0, [], "the host's SHA256SUMS must be its text"),
    ('paths.controller_path', 1, ['/srv'], 'the inventory directory that connectx_firmware_image is taken from must be a path'),
    ('inputs.check', 2, None, 'values must be a mapping of variable names (strings) to their values, got NoneType None'),
    ('inputs.check', 4, 'yes', 'burns must be true or false'),
    ('inputs.load_specs', 0, ['no_such_role'], "roles must name roles (or role:entry points) of the collection"),
    ('inputs.load_specs', 0, 'tools', 'roles must be a list of role names (strings)'),
    ('inputs.argument_specs', 0, None, 'roles_dir must be the path of a directory of roles'),
    ('inputs.expected', 0, {'type': 'dict', 'options': {'a': 'b'}}, 'spec must be an argument spec'),
    ('inputs.shown', 1, '80', 'limit must be a whole number of 4 or more'),
    ('network.connectx_protected_interfaces', 0, {'default_route': 'eth0'},
     "network.default_route must be a list of interface names (strings), got str 'eth0'"),
    ('network.connectx_protected_interfaces', 0, {'lower': {'vmbr0': 'eno1'}},
     "network.lower['vmbr0'] must be a list of interface names (strings), got str 'eno1'"),
    ('network.connectx_protected_interfaces', 0, {'upper': []}, 'network.upper must be a mapping of interface names'),
    ('network.connectx_protected_interfaces', 1, ['vmbr0'], 'the management interface must be an interface name'),
])
def test_the_sentence_names_the_argument_and_what_it_must_be(place, name, position, value, words):
    exc = call(place, name, position, value)
    assert exc is not None, 'no error'
    assert words in str(exc), str(exc)
    assert getattr(exc, 'reason', 'invalid_argument') == 'invalid_argument'


def test_a_wrong_type_in_a_card_never_reaches_a_comparison():
    """A card whose psid is a number would compare unequal to the target and be sent to the burn module: refused."""
    with pytest.raises(firmware_job.JobError) as err:
        firmware_job.triage([dict(CARD, psid=1090120019)], TARGET)
    assert err.value.reason == 'invalid_argument'


def test_the_network_filter_never_splits_a_string_into_letters():
    """Given 'eth0' for default_route, list() made ['e', 't', 'h', '0'] of it: refused instead."""
    with pytest.raises(AnsibleFilterError):
        network_filter.connectx_protected_interfaces({'default_route': 'eth0'})
    assert network_filter.connectx_protected_interfaces({'default_route': None, 'connection': None, 'lower': None}) == []


# --- \Z, not $: a trailing newline is no part of a valid value -----------------------------------------------------

def test_a_sha256_with_a_trailing_newline_is_no_cache_key(tmp_path):
    cache = str(tmp_path / 'cache')
    assert firmware_job.SHA256.match(SHA) and not firmware_job.SHA256.match(SHA + '\n')
    assert firmware_job.cache_identity(cache, SHA + '\n', dict(TARGET, sha256=SHA + '\n')) is None
    assert not os.path.exists(cache) or os.listdir(cache) == []
    os.makedirs(cache)
    with open(os.path.join(cache, SHA + '\n.json'), 'w') as handle:
        handle.write('{"psid": "MT_1090120019", "fw_version": "2.42.5000"}')
    assert firmware_job.cached_identity(cache, SHA + '\n') is None


def test_a_cache_file_with_junk_types_is_no_identity(tmp_path):
    cache = tmp_path / 'cache'
    cache.mkdir()
    (cache / (SHA + '.json')).write_text('{"psid": 1090120019, "fw_version": ["2.42.5000"]}')
    assert firmware_job.cached_identity(str(cache), SHA) is None
