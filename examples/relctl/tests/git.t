A build's default description comes from git, as Convox makes it.

@require git
  $ relctl apps create myapp
  Creating myapp... OK

  $ git init -q repo && cd repo && echo one > file && git add file && git commit -qm "my commit message" && git log --oneline --abbrev=10
  d66fea7a08 my commit message

In a clean work tree: "build <sha> <subject>".

  $ cd repo && relctl builds create -a myapp --id && relctl builds -a myapp
  BDXASDGITV
  RWWFCRPSQO
  ID          STATUS    RELEASE     STARTED  ELAPSED  DESCRIPTION
  BDXASDGITV  complete  RWWFCRPSQO  now      0s       build d66fea7a08 my commit message

Untracked files do not count; uncommitted changes do.

  $ cd repo && touch untracked && relctl builds create -a myapp --status created
  Build:   BGULVXUKUH

  $ cd repo && echo two >> file && relctl builds create -a myapp --status created
  Build:   BVKHZWTAFY
  ! relctl: note: the git work tree has uncommitted changes, so the build has no description (give one with --description)

  $ cd repo && git add file && relctl builds create -a myapp --status created
  Build:   BHKOBKCXZE
  ! relctl: note: the git work tree has uncommitted changes, so the build has no description (give one with --description)

A repository without a commit has nothing to describe.

  $ git init -q empty && cd empty && relctl builds create -a myapp --status created
  Build:   BVEWTLLPFI
  ! relctl: note: the git repository has no commit, so the build has no description (give one with --description)

Without git at all:

  $ cd repo && git commit -qm second && R=$(command -v relctl) && PATH=/nonexistent "$R" builds create -a myapp --status created
  Build:   BCAUHQRNUH
  ! relctl: note: git is not available, so the build has no description (give one with --description)

  $ relctl builds -a myapp
  ID          STATUS    RELEASE     STARTED  ELAPSED  DESCRIPTION
  BCAUHQRNUH  created               now
  BVEWTLLPFI  created               now
  BHKOBKCXZE  created               now
  BVKHZWTAFY  created               now
  BGULVXUKUH  created               now               build d66fea7a08 my commit message
  BDXASDGITV  complete  RWWFCRPSQO  now      0s       build d66fea7a08 my commit message
