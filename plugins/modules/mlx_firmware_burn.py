#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx_firmware_burn
short_description: Burn (or crossflash) a firmware image onto a ConnectX card, safely
description:
  - Burns O(image) with C(mstflint -d BDF -i IMAGE [-allow_psid_change] -y burn) (MFT C(flint)), then verifies
    the flash and checks that it now holds the image's PSID and version. The new firmware runs after a reboot
    (RV(reboot_required)).
  - Everything is checked before the first write - the tool version supports the card (mstflint >= 4.26 has no
    ConnectX-3 configuration support, >= 4.30 crashes on ConnectX-3 Pro), the card exists, the image is readable,
    verifies and matches O(image_sha256), its device (ConnectX-3 vs ConnectX-3 Pro) and port count fit the card,
    a PSID change is allowed and its pair is allowlisted, and a verified backup of the card's current firmware
    is in O(backup_dir).
  - Nothing is burned when the card already has the image's PSID and version (unless O(force)), or when that
    image was burned and only the reboot is missing (a burn is pending - never burn twice).
  - Two runs against the same card never burn at once - a lock file in C(/run/lock) serialises them.
version_added: 0.1.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
  - homelab.connectx.tool
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  device:
    description: PCI address of the card (C(0000:03:00.0) or C(03:00.0)).
    type: str
    required: true
  image:
    description: Path of the firmware image (C(.bin)) on the host.
    type: path
    required: true
  image_sha256:
    description:
      - Expected sha256 of the image (64 hex digits); a different file is refused (C(reason=checksum_mismatch)).
      - A blank or malformed value is refused (C(reason=invalid_argument)); leave the option out to burn without a pin.
    type: str
  allow_psid_change:
    description: Allow an image whose PSID differs from the card's (a crossflash), for allowlisted pairs only.
    type: bool
    default: false
  allowed_psid_changes:
    description:
      - PSID pairs that may change. Default - pairs people have crossflashed with success on the same board
        (MT_1090110018 -> MT_1090120019, ISL1090110018 -> MT_1090120019, MT_1090111023 -> MT_1090111019).
    type: list
    elements: dict
    suboptions:
      from:
        description: PSID on the card.
        type: str
        required: true
      to:
        description: PSID of the image.
        type: str
        required: true
  force:
    description: Burn even when the card already has the image's PSID and version.
    type: bool
    default: false
  backup_dir:
    description:
      - Directory of the card's backups (as written by M(homelab.connectx.mlx_firmware_backup)). The burn is
        refused (C(reason=no_backup)) unless C(<psid>_<fw_version>_<base_guid>.image) of the current firmware is
        there and matches C(SHA256SUMS).
      - Required unless O(skip_backup_check=true).
    type: path
  skip_backup_check:
    description: Burn without a verified backup (not recommended).
    type: bool
    default: false
  lock_timeout:
    description: Seconds to wait for another burn of the same card to finish.
    type: int
    default: 600
'''

EXAMPLES = r'''
- name: Crossflash an MCX354A-QCBT to MCX354A-FCBT firmware
  homelab.connectx.mlx_firmware_burn:
    device: "0000:03:00.0"
    image: /var/lib/connectx/fw-ConnectX3-rel-2_42_5000-MCX354A-FCB_A2-A5-FlexBoot-3.4.752.bin
    image_sha256: "{{ fcbt_sha256 }}"
    allow_psid_change: true
    backup_dir: /var/lib/connectx/backup
  register: burn

- name: Reboot when a burn happened
  ansible.builtin.reboot:
  when: burn.reboot_required
'''

RETURN = r'''
burned:
  description: Whether this run wrote the flash.
  returned: success
  type: bool
reboot_required:
  description: Whether the card runs other firmware than its flash holds (after a burn, or a burn pending a reboot).
  returned: success
  type: bool
previous:
  description: PSID and version on the flash before the run.
  returned: success
  type: dict
  sample: {psid: MT_1090110018, fw_version: 2.40.5030}
current:
  description: PSID and version on the flash after the run (in check mode, what it would be).
  returned: success
  type: dict
  sample: {psid: MT_1090120019, fw_version: 2.42.5000}
running:
  description: Firmware version the card runs now (C(FW Version(Running)), or the flash version when it prints none).
  returned: success
  type: str
image:
  description: The image that was checked - path, sha256, PSID, version.
  returned: success
  type: dict
waited_for_lock:
  description: Seconds spent waiting for another burn of the same card.
  returned: success
  type: float
reason:
  description: >-
    Machine-readable refusal reason - V(psid_change_not_allowed), V(psid_pair_not_allowlisted), V(device_mismatch),
    V(image_invalid), V(checksum_mismatch), V(no_backup), V(tool_unsupported), V(no_device), V(burn_failed), V(locked),
    V(semaphore), V(not_found), V(tool_missing).
  returned: failure
  type: str
'''

import errno
import fcntl
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import (
    TOOL_OPTION, select_flavour, binary, refuse, read_sysfs, tool_support)
from ansible_collections.homelab.connectx.plugins.module_utils import firmware, parse_flint, psid, tools

SYSFS_PCI = firmware.SYSFS_PCI
SHA256_RE = re.compile(r'^[0-9a-fA-F]{64}$')
LOCK_DIR = '/run/lock'


def take_lock(module, runner, bdf, timeout):
    """Exclusive flock per card; returns (fd, seconds waited) or refuses with reason=locked."""
    path = os.path.join(LOCK_DIR, 'homelab-connectx-%s.lock' % bdf.replace(':', '_'))
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        refuse(module, runner, 'Cannot create the lock file %s (%s).' % (path, exc), 'locked', lock=path)
    start = time.time()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd, round(time.time() - start, 1)
        except (IOError, OSError) as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.time() - start >= timeout:
            os.close(fd)
            refuse(module, runner, 'Another run is burning the card at %s (lock %s held for more than %s s); wait for it '
                   'to finish and run again.' % (bdf, path, timeout), 'locked', lock=path)
        time.sleep(1)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str', required=True),
            image=dict(type='path', required=True),
            image_sha256=dict(type='str'),
            allow_psid_change=dict(type='bool', default=False),
            allowed_psid_changes=dict(type='list', elements='dict', options={'from': dict(type='str', required=True),
                                                                             'to': dict(type='str', required=True)}),
            force=dict(type='bool', default=False),
            backup_dir=dict(type='path'),
            skip_backup_check=dict(type='bool', default=False),
            lock_timeout=dict(type='int', default=600),
            tool=TOOL_OPTION,
        ),
        required_if=[('skip_backup_check', False, ('backup_dir',))],
        supports_check_mode=True,
    )
    params = module.params
    runner = CommandRunner(module)
    # A blank or malformed pin would switch the checksum check off: refused before anything runs.
    if params['image_sha256'] is not None and not SHA256_RE.match(params['image_sha256'].strip()):
        refuse(module, runner, 'image_sha256 must be the 64 hex digits that `sha256sum <image>` prints, got %r; leave it '
               'out only to burn an image without a pin. Nothing has been changed.' % params['image_sha256'],
               'invalid_argument')
    if params['lock_timeout'] < 0:
        refuse(module, runner, 'lock_timeout must be 0 or more seconds, got %d. Nothing has been changed.'
               % params['lock_timeout'], 'invalid_argument')
    flavour = select_flavour(runner, params['tool'])
    runner.find(binary(flavour, 'flint'))
    bdf, devdir = firmware.find_card(module, runner, params['device'], SYSFS_PCI)
    device_id = (read_sysfs(os.path.join(devdir, 'device')) or '').lower().replace('0x', '')
    family = psid.family_for_device_id(device_id)

    support = tool_support(runner, flavour, family)
    if not support['query'] or not support['burn']:
        refuse(module, runner, '%s Fix: %s.' % (support['message'], support['fix']), 'tool_unsupported', fix=support['fix'])

    fd, waited = take_lock(module, runner, bdf, params['lock_timeout'])
    try:
        card = firmware.query_card(module, runner, flavour, bdf)
        image = firmware.inspect_image(module, runner, flavour, params['image'])
        image['path'] = params['image']
        pin = (params['image_sha256'] or '').strip().lower()
        if pin and pin != image['sha256']:
            refuse(module, runner, 'The image %s has sha256 %s, not the expected %s; download it again or fix the pin.'
                   % (params['image'], image['sha256'], pin), 'checksum_mismatch', image=image)
        if not image['supported']:
            refuse(module, runner, 'The image %s is a %s image, not a ConnectX-3 (FS2) one; use the image for this card.'
                   % (params['image'], image['image_type']), 'device_mismatch', image=image)
        image_family = psid.family_for_device_id(image['device_ids'][0]) if image['device_ids'] else None
        if family and image_family and image_family != family:
            refuse(module, runner, 'The image %s is for a %s, the card at %s is a %s; use an image for this card.'
                   % (params['image'], image_family, bdf, family), 'device_mismatch', image=image)
        card_ports, image_ports = psid.ports_for_psid(card.get('psid')), psid.ports_for_psid(image['psid'])
        if card_ports and image_ports and image_ports > card_ports:
            refuse(module, runner, 'The image %s is for a %d-port board, the card at %s has %d port(s); use an image '
                   'for this board.' % (params['image'], image_ports, bdf, card_ports), 'device_mismatch', image=image)

        previous = {'psid': card.get('psid'), 'fw_version': card.get('fw_version')}
        target = {'psid': image['psid'], 'fw_version': image['fw_version']}
        running = card.get('fw_version_running') or card.get('fw_version')
        result = dict(changed=False, burned=False, previous=previous, current=previous, image=image, device=bdf,
                      running=running, reboot_required=running != card.get('fw_version'), waited_for_lock=waited,
                      tool=flavour)
        if previous == target and not params['force']:
            module.exit_json(**result)

        if card.get('psid') != image['psid']:
            if not params['allow_psid_change']:
                refuse(module, runner, 'The image PSID %s differs from the card\'s %s; set allow_psid_change to '
                       'crossflash.' % (image['psid'], card.get('psid')), 'psid_change_not_allowed', image=image)
            allowed = params['allowed_psid_changes']
            if not psid.psid_change_allowed(card.get('psid'), image['psid'], allowed):
                refuse(module, runner, 'Changing the PSID %s to %s is not in the allowlist; add {from: %s, to: %s} to '
                       'allowed_psid_changes only if this board is known to run that firmware.'
                       % (card.get('psid'), image['psid'], card.get('psid'), image['psid']),
                       'psid_pair_not_allowlisted', image=image)

        if not params['skip_backup_check']:
            name = os.path.basename(firmware.backup_path(params['backup_dir'], card, 'image'))
            if not firmware.backup_is_intact(params['backup_dir'], name):
                refuse(module, runner, 'No verified backup of the current firmware (%s in %s with its SHA256SUMS line); '
                       'run mlx_firmware_backup first.' % (name, params['backup_dir']), 'no_backup', backup=name)

        result.update(changed=True, current=target, reboot_required=True,
                      diff={'before': 'psid: %(psid)s\nfw_version: %(fw_version)s\n' % previous,
                            'after': 'psid: %(psid)s\nfw_version: %(fw_version)s\n' % target})
        if module.check_mode:
            module.exit_json(**result)

        options = ['-allow_psid_change'] if card.get('psid') != image['psid'] else []
        burn = runner.run(tools.argv(flavour, 'burn', device=bdf, image=params['image'], options=options), mutating=True)
        parsed = parse_flint.parse_burn(burn.output)
        if not burn.ok or not parsed['ok']:
            error = parse_flint.classify_error(burn.output, burn.rc)
            refuse(module, runner, 'Burning %s on %s failed: %s. The card was not rebooted; its previous firmware is '
                   'in the backup (restore.yml).' % (params['image'], bdf, error['message']), 'burn_failed',
                   result=burn, tool_reason=error['reason'])
        verify = runner.run(tools.argv(flavour, 'verify', device=bdf))
        after = firmware.query_card(module, runner, flavour, bdf)
        now = {'psid': after.get('psid'), 'fw_version': after.get('fw_version')}
        if not verify.ok or now != target:
            refuse(module, runner, 'After the burn, the flash of %s holds %s %s and %s; do not reboot, restore the backup.'
                   % (bdf, now['psid'], now['fw_version'], 'verifies' if verify.ok else 'does not verify'),
                   'burn_failed', result=verify)
        result.update(burned=True, current=now, running=after.get('fw_version_running') or running)
        module.exit_json(**result)
    finally:
        os.close(fd)


if __name__ == '__main__':
    main()
