#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx_firmware_backup
short_description: Save a ConnectX card's firmware image, configuration, expansion ROM and VPD
description:
  - Reads the card with C(mstflint -d BDF q) (MFT C(flint)), then saves
    the firmware image (C(ri)), the firmware configuration (C(dc)), the expansion ROM (C(rrom), only when
    the card has one) and the VPD (C(mstvpd) / C(mlxvpd) output) to
    C(DEST/<psid>_<fw_version>_<base_guid>.<item>) with mode 0600, and records their sha256 in C(DEST/SHA256SUMS).
  - The saved image must verify with C(mstflint -i FILE v) before the module reports success; a backup
    that does not verify is removed and the module fails with C(reason=backup_invalid).
  - Idempotent - when every requested file is there, matches C(SHA256SUMS) and the image verifies, nothing
    is rewritten. Another firmware's backup has another name and is never overwritten.
  - C(SHA256SUMS) may hold lines of its own - both formats of C(sha256sum) (C(<sha256>  <name>), C(<sha256> *<name>)
    in binary mode, and the C(SHA256 ...) lines of C(sha256sum --tag)), comments, empty lines, CRLF line ends, lines
    for other files or of other algorithms. Only the lines of the files written change (in place, in their format; a new one is
    added at the end); every other line is kept byte for byte. A line that is no C(sha256sum) line but names a file
    to be written, and a C(SHA256SUMS) that cannot be read, are refused with the path and the line
    (C(reason=sums_invalid)) before anything is read or written. A file listed twice with different checksums
    counts as not backed up and is written again.
version_added: 0.1.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.no_diff
  - homelab.connectx.tool
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  device:
    description: PCI address of the card (C(0000:03:00.0) or C(03:00.0)).
    type: str
    required: true
  dest:
    description:
      - Directory on the host for the backup, mode 0700 - created so, or set to 0700 when it exists with another
        mode (a change, RV(modes_set)); so is C(SHA256SUMS) to 0600. Give the backups a directory of their own.
      - Taken are a path that does not exist yet, an empty directory (a C(lost+found) aside), a directory whose
        C(SHA256SUMS) lists a backup of this module, and one whose entries are all backup files of this module
        (C(<psid>_<fw_version>_<base_guid>.<item>) and its temporary C(.<name>.partial) and C(.SHA256SUMS.*) files).
        Any other directory is refused (C(reason=dest_invalid)) with its mode untouched, before the card is read, also
        in check mode - so are C(/), the FHS directories (C(/var/lib), C(/srv), C(/tmp), ...; the list is
        C(SYSTEM_DIRS) in the module) and every directory inside C(/etc), C(/usr), C(/boot), C(/dev), C(/proc),
        C(/sys), C(/run), C(/bin), C(/sbin) and C(/lib*) (C(SYSTEM_TREES)) even when empty, and a directory that every
        user may write to (like C(/tmp)).
      - A symlink is judged by the directory it resolves to.
    type: path
    required: true
  items:
    description:
      - What to save. Default - all that the card has (C(rom) only when the card has an expansion ROM).
    type: list
    elements: str
    choices: [image, config, rom, vpd]
  controller_dest:
    description:
      - Directory on the controller that receives a copy of the backup and a C(SHA256SUMS) that accumulates every
        backup taken there (the action plugin of this module does it, in the same task).
      - The copy is checked three ways (the bytes received, the module's sha256, the host's C(SHA256SUMS)); a file
        already there with other content is never replaced (C(reason=backup_copy_differs)), nothing is written
        on the controller then.
      - Files are written with mode 0600 in a directory with mode 0700 (an existing directory is set to 0700; one that
        every user may write to is refused, C(reason=controller_dest_invalid)); the host's C(SHA256SUMS) is kept as
        C(.SHA256SUMS.host). The controller's C(SHA256SUMS) follows the rules of the host's (lines kept,
        C(reason=sums_invalid)). Unset - the backup stays on the host only.
    type: path
  return_content:
    description:
      - Also return the bytes of each backup file (base64, in C(files.<item>.content)) and the host's C(SHA256SUMS)
        text; set by the action plugin for O(controller_dest), which removes them from the result again.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Back up the card before a crossflash
  homelab.connectx.mlx_firmware_backup:
    device: "0000:03:00.0"
    dest: /var/lib/connectx/backup
  register: backup

- name: Back up the card and keep a checked copy on the controller
  homelab.connectx.mlx_firmware_backup:
    device: "0000:03:00.0"
    dest: /var/lib/connectx/backup
    controller_dest: "{{ inventory_dir }}/connectx-backups/{{ inventory_hostname }}"
'''

RETURN = r'''
files:
  description: The backup files, by item.
  returned: success
  type: dict
  sample:
    image: {path: /var/lib/connectx/backup/MT_1090110018_2.40.5030_0002c90300a0b0c0.image, sha256: 0a1b..., size: 134168}
  contains:
    path:
      description: Path of the file on the host.
      type: str
    sha256:
      description: sha256 of the file.
      type: str
    size:
      description: Size in bytes.
      type: int
psid:
  description: PSID of the card's firmware.
  returned: success
  type: str
fw_version:
  description: Firmware version on the flash.
  returned: success
  type: str
base_guid:
  description: Base GUID (or base MAC when the card prints no GUID) used in the file names.
  returned: success
  type: str
sha256sums:
  description: Path of the SHA256SUMS file.
  returned: success, and with V(sums_invalid) (then C(line) is the line refused, when one is)
  type: str
modes_set:
  description: The directory and C(SHA256SUMS), when they existed with another mode than 0700 and 0600 and were set to it
    in this run (in check mode, would be).
  returned: success
  type: list
  elements: str
  sample: [/var/lib/connectx/backup]
controller_files:
  description: The copies on the controller, by item (with O(controller_dest)).
  returned: success, with O(controller_dest), not in check mode
  type: dict
  sample:
    image: /srv/homelab/connectx-backups/pve1/MT_1090110018_2.40.5030_0002c90300a0b0c0.image
controller_written:
  description: Names of the files written on the controller in this run (an identical copy already there is kept).
  returned: success, with O(controller_dest), not in check mode
  type: list
  elements: str
reason:
  description:
    - Machine-readable failure reason (V(no_device), V(tool_missing), V(backup_failed), V(backup_invalid), V(dest_invalid),
      V(sums_invalid), V(backup_copy_differs), V(backup_copy_mismatch), V(controller_dest_invalid), ...).
  returned: failure
  type: str
'''

import base64
import os
import re
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import (
    TOOL_OPTION, select_flavour, binary, refuse, sha256_file)
from ansible_collections.homelab.connectx.plugins.module_utils import firmware
from ansible_collections.homelab.connectx.plugins.module_utils import parse_flint, sums, tools

SYSFS_PCI = firmware.SYSFS_PCI
DIR_MODE = 0o700
FILE_MODE = 0o600


# The read job of each item; VPD has none: the reader's text output is the backup.
READ_JOBS = {'image': 'read_image', 'config': 'read_config', 'rom': 'read_rom'}

# Directories a backup never goes to, whatever they hold, compared after symlinks are resolved: / and the top-level
# directories of the FHS 3.0 (chapters 3-5) with their standard subdirectories, the Debian ones (/lib64,
# /var/backups, ...) and those of Proxmox VE (/etc/pve, /var/lib/vz). Most of them are never empty and refused as
# foreign anyway; the list is there for those that often are (/srv, /mnt, /opt, /var/local, /usr/local/src, ...).
SYSTEM_DIRS = (
    '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/lost+found', '/media',
    '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var',
    '/dev/shm', '/etc/opt', '/etc/pve', '/etc/skel', '/etc/X11', '/run/lock', '/run/user',
    '/usr/bin', '/usr/games', '/usr/include', '/usr/lib', '/usr/lib32', '/usr/lib64', '/usr/libexec', '/usr/libx32',
    '/usr/local', '/usr/sbin', '/usr/share', '/usr/src',
    '/usr/local/bin', '/usr/local/etc', '/usr/local/games', '/usr/local/include', '/usr/local/lib', '/usr/local/libexec',
    '/usr/local/man', '/usr/local/sbin', '/usr/local/share', '/usr/local/src',
    '/usr/share/doc', '/usr/share/man', '/usr/share/misc',
    '/var/account', '/var/backups', '/var/cache', '/var/crash', '/var/games', '/var/lib', '/var/local', '/var/lock',
    '/var/log', '/var/mail', '/var/opt', '/var/run', '/var/spool', '/var/tmp', '/var/www', '/var/yp',
    '/var/lib/misc', '/var/lib/vz', '/var/spool/cron', '/var/spool/mail',
)
# Trees a backup never goes to, at any depth (an empty /etc/ssh/ssh_config.d is still /etc): the system's
# configuration, programs and libraries, and the kernel's and runtime's virtual file systems.
SYSTEM_TREES = ('/etc', '/usr', '/boot', '/dev', '/proc', '/sys', '/run', '/bin', '/sbin', '/lib', '/lib32', '/lib64',
                '/libx32')
# The example the refusals give: where the roles put the backups (<connectx_host_dir>/backup).
DEST_EXAMPLE = '/var/lib/connectx/backup'
# What this module writes to dest (firmware.backup_path, save_item, write_sums): the backups, their temporary
# .<name>.partial files and the temporary files of SHA256SUMS.
_BACKUP_RE = r'[^/\s]+_[^/_\s]+_[^/_\s]+\.(?:%s)' % '|'.join(firmware.ITEMS)
OWN_FILE_RES = (re.compile(r'^%s\Z' % _BACKUP_RE), re.compile(r'^\.%s\.partial\Z' % _BACKUP_RE),
                re.compile(r'^\.%s\.[^/]+\Z' % re.escape(firmware.SUMS_FILE)))


def save_item(module, runner, flavour, bdf, item, dest, final):
    """Write one item to a temp file in dest, 0600, then rename it over ``final``."""
    # A fixed partial name (not mkstemp) keeps the tool's argv predictable; a stale one is removed first.
    tmp = os.path.join(dest, '.%s.partial' % os.path.basename(final))
    if os.path.lexists(tmp):
        os.unlink(tmp)
    try:
        if item not in READ_JOBS:
            result = runner.run(tools.argv(flavour, 'vpd', device=bdf))
            if result.ok:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, 'w') as out:
                    out.write(result.stdout)
        else:
            result = runner.run(tools.argv(flavour, READ_JOBS[item], device=bdf, path=tmp), mutating=True)
        if not result.ok or not os.path.isfile(tmp):
            error = parse_flint.classify_error(result.output, result.rc)
            refuse(module, runner, 'Reading the %s of %s failed: %s' % (item, bdf, error['message']), 'backup_failed',
                   result=result, item=item, tool_reason=error['reason'])
        if item == 'image':
            ok, parsed, verify = firmware.verify_image_file(runner, flavour, tmp)
            if not ok:
                refuse(module, runner, 'The image read back from %s does not verify (%s); the backup was removed. '
                       'Check the card and run again.' % (bdf, parsed.get('message')), 'backup_invalid', result=verify)
        os.chmod(tmp, 0o600)
        os.rename(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_sums(dest, record):
    """Write the SHA256SUMS of ``record`` (sums.Sums) to dest, mode 0600 (temp file, then rename)."""
    handle, tmp = tempfile.mkstemp(prefix='.SHA256SUMS.', dir=dest)
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(record.to_bytes())
        os.chmod(tmp, FILE_MODE)
        os.rename(tmp, os.path.join(dest, firmware.SUMS_FILE))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def own_file(name):
    """True for a name this module writes to dest (SHA256SUMS, a backup, their temporary files)."""
    return name == firmware.SUMS_FILE or any(regex.match(name) for regex in OWN_FILE_RES)


def own_sums(path):
    """Whether the SHA256SUMS at ``path`` is this module's: it lists a backup of it (it may list other files too). One
    that cannot be read counts as its own here: main() refuses it with sums_invalid before any change."""
    try:
        names = sums.load(path).entries()
    except sums.SumsError:
        return True
    return any(own_file(name) and name != firmware.SUMS_FILE for name in names)


def dest_problem(dest):
    """Why ``dest`` may not take the backup (a sentence without the fix), or None when it may: a path that does not
    exist yet, an empty directory, one whose SHA256SUMS lists a backup of this module, or one that holds only this
    module's files. A system directory (SYSTEM_DIRS) or one inside a system tree (SYSTEM_TREES) is refused whatever it
    holds; a symlink is judged by the directory it resolves to."""
    real = os.path.realpath(dest)
    if os.path.islink(dest.rstrip(os.sep) or os.sep):
        shown = '%s (a symlink to %s)' % (dest, real)
    elif os.path.normpath(os.path.abspath(dest)) != real:
        shown = '%s (which resolves to %s)' % (dest, real)
    else:
        shown = dest
    system = set(os.path.normpath(path) for path in SYSTEM_DIRS) | set(os.path.realpath(path) for path in SYSTEM_DIRS)
    trees = set(os.path.normpath(path) for path in SYSTEM_TREES) | set(os.path.realpath(path) for path in SYSTEM_TREES)
    if real in system:
        return 'The backup destination %s is a system directory' % shown
    inside = [tree for tree in trees if real.startswith(tree.rstrip(os.sep) + os.sep)]
    if inside:
        return 'The backup destination %s is inside the system directory %s' % (shown, sorted(inside)[0])
    if not os.path.exists(real):
        return None
    if not os.path.isdir(real):
        return 'The backup destination %s exists and is not a directory' % shown
    if os.stat(real).st_mode & stat.S_IWOTH:
        # Its mode is set to 0700 below: never that of a directory every user writes to.
        return 'The backup destination %s is writable by every user (mode %o, like /tmp)' % (
            shown, stat.S_IMODE(os.stat(real).st_mode))
    try:
        names = sorted(os.listdir(real))
    except OSError as exc:
        return 'The backup destination %s cannot be listed (%s)' % (shown, exc)
    if firmware.SUMS_FILE in names and own_sums(os.path.join(real, firmware.SUMS_FILE)):
        return None
    # lost+found: a file system of its own mounted for the backups (a USB disk) has one from mkfs.
    foreign = [name for name in names if not own_file(name) and name != 'lost+found']
    if not foreign:
        return None
    more = ' and %d more' % (len(foreign) - 5) if len(foreign) > 5 else ''
    return ('The backup destination %s holds files that are no backups of this module and no %s (%s%s)'
            % (shown, firmware.SUMS_FILE, ', '.join(foreign[:5]), more))


def check_dest(module, runner, dest):
    """Refuse (dest_invalid) a dest that dest_problem() finds wrong; before anything runs, also in check mode."""
    problem = dest_problem(dest)
    if problem:
        refuse(module, runner, '%s; give the backups a directory of their own, new or empty, e.g. %s (the roles put '
               'them in <connectx_host_dir>/backup). Nothing has been changed.' % (problem, DEST_EXAMPLE), 'dest_invalid',
               dest=dest)


def looser_modes(dest, sums_path):
    """[(path, mode it must have)] of dest (0700) and its SHA256SUMS (0600) where they exist with another mode."""
    out = []
    for path, mode, kind in ((dest, DIR_MODE, os.path.isdir), (sums_path, FILE_MODE, os.path.isfile)):
        if kind(path) and stat.S_IMODE(os.stat(path).st_mode) != mode:
            out.append((path, mode))
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str', required=True),
            dest=dict(type='path', required=True),
            items=dict(type='list', elements='str', choices=list(firmware.ITEMS)),
            controller_dest=dict(type='path'),
            return_content=dict(type='bool', default=False),
            tool=TOOL_OPTION,
        ),
        supports_check_mode=True,
    )
    runner = CommandRunner(module)
    dest = module.params['dest']
    check_dest(module, runner, dest)
    flavour = select_flavour(runner, module.params['tool'])
    runner.find(binary(flavour, 'flint'))
    sums_path = os.path.join(dest, firmware.SUMS_FILE)
    try:
        record = sums.load(sums_path)
    except sums.SumsError as exc:
        refuse(module, runner, '%s Nothing was written.' % exc, 'sums_invalid', sha256sums=sums_path)
    bdf = firmware.find_card(module, runner, module.params['device'], SYSFS_PCI)[0]
    info = firmware.query_card(module, runner, flavour, bdf)
    items = module.params['items']
    if items is None:
        items = ['image', 'config'] + (['rom'] if info.get('rom_info') else []) + ['vpd']
    elif 'rom' in items and not info.get('rom_info'):
        refuse(module, runner, 'The card at %s has no expansion ROM to back up; remove "rom" from items.' % bdf,
               'no_rom', device=bdf)

    listed = record.entries()
    todo = []
    for item in items:
        name = os.path.basename(firmware.backup_path(dest, info, item))
        intact = firmware.backup_is_intact(dest, name, listed)
        if intact and item == 'image':
            intact = firmware.verify_image_file(runner, flavour, os.path.join(dest, name))[0]
        if not intact:
            todo.append(item)
    # A line of SHA256SUMS that is no checksum but names a file to be written: refused before anything is read
    # from the card or written (also in check mode).
    try:
        record.check([os.path.basename(firmware.backup_path(dest, info, item)) for item in todo])
    except sums.SumsError as exc:
        refuse(module, runner, '%s Nothing was written.' % exc, 'sums_invalid', sha256sums=sums_path, line=exc.line)
    loose = looser_modes(dest, sums_path)

    if (todo or loose) and not module.check_mode:
        try:
            if not os.path.isdir(dest):
                # The directory dest resolves to (check_dest judged that one): also for a symlink to a new directory.
                os.makedirs(os.path.realpath(dest), DIR_MODE)
                os.chmod(dest, DIR_MODE)  # whatever the umask
            if not os.access(dest, os.W_OK):
                raise OSError('not writable')
        except OSError as exc:
            refuse(module, runner, 'Cannot write to the backup directory %s (%s); choose another dest.' % (dest, exc),
                   'dest_invalid', dest=dest)
        digests = {}
        for item in todo:
            final = firmware.backup_path(dest, info, item)
            save_item(module, runner, flavour, bdf, item, dest, final)
            digests[os.path.basename(final)] = sha256_file(final)
        if todo:
            record.update(digests)
            write_sums(dest, record)
        for path, mode in loose:
            os.chmod(path, mode)

    files = {}
    listed = record.entries()
    content = module.params['return_content']
    for item in items:
        path = firmware.backup_path(dest, info, item)
        if os.path.isfile(path):
            files[item] = {'path': path, 'sha256': listed.get(os.path.basename(path)) or sha256_file(path),
                           'size': os.path.getsize(path)}
            if content:
                with open(path, 'rb') as handle:
                    files[item]['content'] = base64.b64encode(handle.read()).decode('ascii')
        else:
            files[item] = {'path': path, 'sha256': None, 'size': None}
    extra = {}
    if content and os.path.isfile(sums_path):
        with open(sums_path, 'rb') as handle:
            extra['sha256sums_content'] = handle.read().decode('utf-8', 'replace')
    module.exit_json(changed=bool(todo or loose), files=files, written=todo, psid=info.get('psid'),
                     fw_version=info.get('fw_version'), base_guid=info.get('base_guid') or info.get('base_mac'),
                     device=bdf, sha256sums=sums_path, modes_set=[path for path, mode in loose], tool=flavour, **extra)


if __name__ == '__main__':
    main()
