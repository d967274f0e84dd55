/**
 * `npx cdk synth` entry (cdk.json). Synthesizes every stage, or one with `-c stage=staging`.
 */
import { buildApp } from '../app';

buildApp().app.synth();
