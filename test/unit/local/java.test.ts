import fs from 'node:fs';
import { isScorestreamError } from '../../../src/errors';
import { findJava, parseJavaVersion } from '../../../src/local/java';
import { fakeCommands } from '../../helpers/fake-commands';

describe('parseJavaVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17, '17.0.15'],
    ['openjdk version "21" 2023-09-19', 21, '21'],
    ['java version "1.8.0_382"', 8, '1.8.0_382'],
    ['openjdk version "11.0.2-ea"', 11, '11.0.2-ea'],
  ])('reads %j as Java %i', (output, major, version) => {
    expect(parseJavaVersion(output)).toEqual({ major, version });
  });

  it('returns undefined when there is no version', () => {
    expect(parseJavaVersion('bash: java: command not found')).toBeUndefined();
  });
});

describe('findJava', () => {
  it('says how to install Java when JAVA_HOME points nowhere', () => {
    expect(() => findJava({ JAVA_HOME: '/nonexistent/jdk' })).toThrow(/no Java runtime found \(JAVA_HOME=\/nonexistent\/jdk\): install a JDK 17\+/);
    try {
      findJava({ JAVA_HOME: '/nonexistent/jdk' });
    } catch (err: unknown) {
      expect(isScorestreamError(err, 'JAVA_NOT_FOUND')).toBe(true);
    }
  });

  it('refuses Java older than 17 and says what is needed', () => {
    const bin = fakeCommands({ java: 'echo \'openjdk version "11.0.22" 2024-01-16\' >&2' });
    try {
      let caught: unknown;
      try {
        findJava({ PATH: bin });
      } catch (err: unknown) {
        caught = err;
      }
      expect(isScorestreamError(caught, 'JAVA_TOO_OLD')).toBe(true);
      expect((caught as Error).message).toBe(
        'Java 11.0.22 at java is too old: Kafka 4 and Apicurio Registry 3 need Java 17+; install a newer JDK or point JAVA_HOME at one',
      );
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('accepts Java 17 and reports its version', () => {
    const bin = fakeCommands({ java: 'echo \'openjdk version "17.0.15" 2025-04-15\' >&2' });
    try {
      expect(findJava({ PATH: bin })).toEqual({ executable: 'java', major: 17, version: '17.0.15' });
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
