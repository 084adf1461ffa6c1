import { isScorestreamError } from '../../../src/errors';
import { findJava, parseJavaVersion } from '../../../src/local/java';

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
});
