import { describe, expect, test } from 'bun:test';
import { canStartConversation, type Party } from './policy';

const p = (id: string, role: Party['role'], minor = false, status: Party['status'] = 'active'): Party => ({ id, role, minor, status });
const minorStudent = p('m', 'student', true);
const adultStudent = p('a', 'student');
const lecturer = p('l', 'lecturer');
const admin = p('x', 'admin');

describe('canStartConversation', () => {
  test('a minor may message staff without a shared course', () => {
    expect(canStartConversation(minorStudent, lecturer, false).ok).toBe(true);
    expect(canStartConversation(minorStudent, admin, false).ok).toBe(true);
  });
  test('a minor may message students only when they share a course', () => {
    expect(canStartConversation(minorStudent, adultStudent, false)).toEqual({ ok: false, reason: 'You can message staff, and students who share a course with you.' });
    expect(canStartConversation(minorStudent, p('m2', 'student', true), false).ok).toBe(false);
    expect(canStartConversation(minorStudent, adultStudent, true).ok).toBe(true);
  });
  test('an adult, lecturers included, may message a minor only when they share a course', () => {
    expect(canStartConversation(adultStudent, minorStudent, false).ok).toBe(false);
    expect(canStartConversation(lecturer, minorStudent, false)).toEqual({ ok: false, reason: 'You cannot start a conversation with this person.' });
    expect(canStartConversation(lecturer, minorStudent, true).ok).toBe(true);
    expect(canStartConversation(adultStudent, minorStudent, true).ok).toBe(true);
  });
  test('administrators may message anyone active', () => {
    expect(canStartConversation(admin, minorStudent, false).ok).toBe(true);
  });
  test('adults may message adults', () => {
    expect(canStartConversation(adultStudent, p('b', 'student'), false).ok).toBe(true);
    expect(canStartConversation(lecturer, adultStudent, false).ok).toBe(true);
  });
  test('never yourself, never an inactive account', () => {
    expect(canStartConversation(adultStudent, adultStudent, true).ok).toBe(false);
    expect(canStartConversation(adultStudent, p('d', 'student', false, 'disabled'), true)).toEqual({ ok: false, reason: 'This account is not active.' });
    expect(canStartConversation(admin, p('s', 'student', false, 'suspended'), true).ok).toBe(false);
  });
});
