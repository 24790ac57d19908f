// What a HonoTlsConfig may not make a workload do: name an env var that changes how its process
// loads or runs, or mount over a system directory. Admission refuses both (the CRD's CEL rules
// embed these patterns; a unit test keeps them equal); the plan checks again for objects stored
// before the rules existed.

/** Env names that change how a process loads or runs (dynamic loader, JVM, Node, Python, shells ...). */
export const LOADER_ENV_PATTERN =
  '^(LD_|DYLD_|JAVA_|_JAVA_|JDK_|NODE_|NPM_CONFIG_|PYTHON|PERL|RUBY|GEM_|MALLOC_|GLIBC_|BASH_FUNC_|KUBERNETES_|SPRING_|OPENSSL_|SSL_CERT_)|^(PATH|HOME|SHELL|ENV|BASH_ENV|IFS|CDPATH|PS4|PROMPT_COMMAND|CLASSPATH|TMPDIR|HOSTALIASES|LOCALDOMAIN|RES_OPTIONS|GCONV_PATH|LOADER_PATH)$';

/** System directories with everything below them, and directories that must not be replaced as a whole. */
export const SHADOWED_MOUNT_PATTERN =
  '^/(etc|usr|bin|sbin|lib[a-z0-9_]*|proc|sys|dev|boot|root|run|var/run|var/lib)(/.*)?$|^/(tmp|var|var/tmp|opt|opt/hono|home|srv|mnt|media|etc/hono|etc/qpid-dispatch)$';

/** The exceptions under /etc: a directory of its own inside Hono's and qdrouterd's configuration. */
export const ALLOWED_MOUNT_PATTERN = '^/etc/(hono|qpid-dispatch)/.+$';

export function changesProcess(envName: string): boolean {
  return new RegExp(LOADER_ENV_PATTERN).test(envName);
}

export function shadowsSystemDirectory(mountPath: string): boolean {
  return new RegExp(SHADOWED_MOUNT_PATTERN).test(mountPath) && !new RegExp(ALLOWED_MOUNT_PATTERN).test(mountPath);
}
