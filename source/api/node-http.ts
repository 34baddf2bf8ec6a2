/**
 * Node's `node:http` and `node:https`, taken with require() instead of an ES import. An ES import
 * of a built-in builds its ES facade, which reads every export, and from Node 22.5 one of
 * node:http's exports (`WebSocket`) is a getter that loads Node's bundled fetch (undici): about
 * 35 ms of a call's start on this machine, spent on code the app never runs
 * (docs/performance.md). Taken on first use, only
 * what is used loads. (`process.getBuiltinModule` does the same from Node 22.3; the app also
 * runs on 22.0-22.2.)
 */
import type http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export function nodeHttp(): typeof http {
  return requireBuiltin('node:http') as typeof http;
}

export function nodeHttps(): typeof https {
  return requireBuiltin('node:https') as typeof https;
}
