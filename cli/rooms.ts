/** `letstalk rooms …`: create course rooms, add and remove members from CSV, archive rooms, list rooms, a room's attendance register. */
import { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { CLI_ACTOR } from '../server/features/audit/record';
import { exportRegister } from '../server/features/calls/register-csv';
import { addMembers, archiveRoom, createCourseRoom, normaliseCourseCode, removeMember } from '../server/features/chat/rooms';
import { readMemberCsv } from '../server/features/chat/members-csv';
import type { Store } from '../server/store/types';
import { CliError, type CliContext } from './program';

const ROOM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function roomsCommand(ctx: CliContext) {
  const { io } = ctx;

  async function membersFrom(store: Store, file: string) {
    if (!existsSync(file)) throw new CliError(`cannot read ${file}: no such file`);
    const r = await readMemberCsv(store, readFileSync(file, 'utf8'));
    if (!r.ok) {
      for (const e of r.errors) io.err(`${file}:${e.line}: ${e.reason}\n`);
      throw new CliError(`${r.errors.length} invalid row(s); nothing was written.`);
    }
    return r.members;
  }

  /**
   * A course room by its code (the live room, else the newest archived one) or by its id: a code
   * shared by past sessions' archived rooms reaches only the newest, and an older one (to take a
   * student out of last year's record, or reopen it) is named by the id `rooms list --archived` shows.
   */
  async function roomByRef(store: Store, ref: string) {
    if (ROOM_ID.test(ref)) {
      const room = await store.rooms.byId(ref.toLowerCase());
      if (!room || room.kind !== 'course') throw new CliError(`no course room with id ${ref}`);
      return room;
    }
    const room = await store.rooms.byCode(normaliseCourseCode(ref));
    if (!room) throw new CliError(`no room with code ${normaliseCourseCode(ref)}`);
    return room;
  }

  /** The room by its code and the people a member CSV lists (every row checked first). */
  async function roomAndList(code: string, file: string) {
    const store = await ctx.store();
    const room = await roomByRef(store, code);
    return { room, members: await membersFrom(store, file) };
  }

  const rooms = new Command('rooms').description('Manage course rooms');

  rooms
    .command('create')
    .description('Create a course room')
    .requiredOption('--code <code>', 'course code, e.g. CSC101')
    .requiredOption('--name <name>', 'room name, e.g. "Intro to Computing"')
    .option('--members <file.csv>', 'CSV with an email column and an optional role column (owner, moderator, member)')
    .action(async (opts: { code: string; name: string; members?: string }) => {
      const store = await ctx.store();
      const members = opts.members ? await membersFrom(store, opts.members) : [];
      const chat = await ctx.chat();
      const room = await createCourseRoom(chat, { ...CLI_ACTOR, user: null }, { code: opts.code, name: opts.name });
      const added = members.length ? await addMembers(chat, CLI_ACTOR, room.id, members) : [];
      io.out(`created room ${room.code} "${room.name}" with ${added.length} member(s)\n`);
    });

  rooms
    .command('add-members')
    .description('Add members to a course room from a CSV (email[,role]); existing members are kept')
    .argument('<room>', 'course code, or the id of an archived room (rooms list --archived)')
    .argument('<file.csv>')
    .action(async (code: string, file: string) => {
      const { room, members } = await roomAndList(code, file);
      const added = await addMembers(await ctx.chat(), CLI_ACTOR, room.id, members);
      io.out(`added ${added.length} member(s) to ${room.code}; ${members.length - added.length} were already members\n`);
    });

  rooms
    .command('remove-members')
    .description("Remove members from a course room, listed in a CSV (email[,role]; the role is ignored): a class list's drops")
    .argument('<room>', 'course code, or the id of an archived room (rooms list --archived)')
    .argument('<file.csv>')
    .action(async (code: string, file: string) => {
      const { room, members } = await roomAndList(code, file);
      const chat = await ctx.chat();
      let removed = 0;
      // One by one, as the portal does: each one's open pages are told and the removal is audited.
      for (const m of members) if (await removeMember(chat, CLI_ACTOR, room.id, m.userId)) removed++;
      io.out(`removed ${removed} member(s) from ${room.code}; ${members.length - removed} were not members\n`);
    });

  for (const [name, archived] of [['archive', true], ['unarchive', false]] as const) {
    rooms
      .command(name)
      .description(archived ? 'Archive a course room at the end of its term: members keep reading it, nobody can post (a call in progress goes on until it ends: the portal ends it at once)' : 'Reopen an archived course room')
      .argument('<room>', 'course code, or the id of an archived room (rooms list --archived)')
      .action(async (code: string) => {
        const store = await ctx.store();
        const room = await roomByRef(store, code);
        if (room.archived === archived) return io.out(`${room.code} is already ${archived ? 'archived' : 'open'}\n`);
        await archiveRoom(await ctx.chat(), CLI_ACTOR, room.id, archived);
        io.out(`${archived ? 'archived' : 'reopened'} ${room.code}\n`);
      });
  }

  rooms
    .command('list')
    .description('List course rooms')
    .option('--json', 'print JSON')
    .option('--archived', 'include archived rooms')
    .action(async (opts: { json?: boolean; archived?: boolean }) => {
      const store = await ctx.store();
      const list = await store.rooms.listCourses({ includeArchived: Boolean(opts.archived) });
      const rows = await Promise.all(list.map(async (r) => ({ code: r.code, name: r.name, members: (await store.rooms.members(r.id)).length, archived: r.archived, id: r.id })));
      if (opts.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
      for (const r of rows) io.out(`${(r.code ?? '').padEnd(10)}  ${String(r.members).padStart(5)} members  ${r.name}${r.archived ? ` (archived; id ${r.id})` : ''}\n`);
      io.out(`${rows.length} room(s)\n`);
    });

  rooms
    .command('register')
    .description("A course room's lecture attendance as CSV (one row per member and per person who came: lectures attended of those held, minutes, share of the lectures' time), on stdout or into a new file; audited")
    .argument('<room>', 'course code, or the id of an archived room (rooms list --archived)')
    .option('--out <file>', 'a new file for the CSV instead of stdout (never overwritten; readable by its owner only)')
    .action(async (ref: string, opts: { out?: string }) => {
      const store = await ctx.store();
      const room = await roomByRef(store, ref);
      if (opts.out && existsSync(opts.out)) throw new CliError(`${opts.out} exists: choose a new file`);
      if (!opts.out) return io.out((await exportRegister(store, CLI_ACTOR, room, { details: { file: null, osUser: userInfo().username } })).csv);
      const write = (csv: string) => {
        try {
          writeFileSync(opts.out!, csv, { mode: 0o600, flag: 'wx' });
        } catch (e) {
          throw new CliError(`cannot write ${opts.out}: ${(e as Error).message}`);
        }
      };
      // Who took a whole class's names, emails and matriculation numbers, and where to, is recorded.
      const reg = await exportRegister(store, CLI_ACTOR, room, { write, details: { file: resolve(opts.out), osUser: userInfo().username } });
      io.err(`${reg.people} people, ${reg.held} lecture(s) of ${room.code} written to ${opts.out}\n`);
    });

  return rooms;
}
