import { MongoServerError } from 'mongodb';

/** A write refused by a unique index (E11000): the one race-free check on FerretDB v1 as on MongoDB. */
export const isDup = (e: unknown) => e instanceof MongoServerError && e.code === 11000;
