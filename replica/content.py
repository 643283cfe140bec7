"""Chinese wording for the replica: vocabularies, title generators and body generators.

Everything here is pure: every function takes a `random.Random` (or derives one from a string key),
never the global generator, so the same seed always gives the same text.
"""
from __future__ import annotations

import random

BUREAU = "济宁市兖州区教育和体育局"
BUREAU_SHORT = "兖州区教育和体育局"
CREDIT_CODE = "11370882MB2857013J"

TOWNS = ["鼓楼街道", "酒仙桥街道", "龙桥街道", "兴隆庄街道", "大安镇", "新驿镇", "颜店镇", "新兖镇", "漕河镇", "小孟镇"]

SCHOOLS = [
    "兖州区实验小学", "兖州区第二实验小学", "兖州区第三实验小学", "兖州区实验中学", "兖州区第一中学",
    "兖州区第六中学", "兖州区东方中学", "兖州区第十五中学", "兖州区第十八中学", "兖州区文昌小学",
    "兖州区龙桥小学", "兖州区九州小学", "兖州区职业中等专业学校", "兖州区特殊教育学校", "兖州区实验幼儿园",
    "兖州区机关幼儿园", "兖州区新兖镇中学", "兖州区漕河镇中心小学", "兖州区颜店镇中心小学",
    "兖州区大安镇中学", "兖州区小孟镇中心幼儿园", "兖州区新驿镇中心小学", "兖州区兴隆庄街道中心小学",
    "兖州区酒仙桥街道中心小学", "兖州区鼓楼街道中心幼儿园", "兖州区龙桥幼儿园",
]
PRESCHOOLS = [s for s in SCHOOLS if "幼儿园" in s]
BUREAU_UNITS = ["兖州区体育运动服务中心", "兖州区教育事业发展促进中心", "兖州区教学研究室", "兖州区学生资助管理中心"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
GIVEN = "建国志强海燕丽娜振华秀英文静国庆立新玉兰明亮晓东红梅春雷爱民子涵浩然雨欣俊杰慧敏德胜书琴永刚淑芬家豪欣怡"

MEETINGS = [
    "全区教育体育工作会议", "全区中小学安全工作会议", "教育系统党风廉政建设工作会议", "教育系统意识形态工作会议",
    "全区中小学校长培训会", "秋季开学工作调度会", "春季开学工作调度会", "疫情防控工作调度会", "教育教学质量分析会",
    "学校食品安全工作会议", "全区体育工作会议", "教育系统安全生产专题会议", "中考备考工作推进会",
    "高考备考工作推进会", "全区学前教育工作会议", "教育督导工作会议", "全区教研工作会议", "防汛工作部署会",
    "校外培训机构治理工作推进会", "全区语言文字工作会议", "“双减”工作调度会", "教育信息化工作推进会",
    "控辍保学工作推进会", "全区职业教育工作会议", "教育系统信访稳定工作会议", "教育系统“学习强国”推进会",
]
ACTIVITIES = [
    "“学雷锋”志愿服务活动", "防溺水安全教育活动", "消防安全应急疏散演练", "“法治进校园”宣讲活动", "读书节活动",
    "科技节活动", "校园艺术节", "冬季长跑活动", "垃圾分类进校园活动", "文明礼仪教育活动", "心理健康教育周活动",
    "劳动教育实践活动", "研学旅行活动", "全民国家安全教育日宣传活动", "“全国爱眼日”宣传活动", "防震减灾演练",
    "“开学第一课”主题教育", "家长进课堂活动", "“万名教师访万家”家访活动", "经典诵读比赛", "规范汉字书写比赛",
    "红色教育主题班会", "“扣好人生第一粒扣子”主题教育", "校园足球联赛", "趣味运动会", "“我们的节日·端午”主题活动",
    "“我们的节日·中秋”主题活动", "清明节网上祭英烈活动", "少先队入队仪式", "十四岁青春仪式", "毕业典礼",
    "新生入学教育", "教师读书分享会", "青年教师基本功比赛", "课堂教学开放周", "优质课评选活动", "送教下乡活动",
    "结对帮扶活动", "“文明校园”创建活动", "食品安全宣传周活动", "“推普周”宣传活动", "防范电信网络诈骗宣传活动",
    "禁毒教育进校园活动", "交通安全教育活动", "“学宪法 讲宪法”活动", "爱国主义教育活动", "节约粮食“光盘行动”",
]
TOPICS = [
    "课后服务", "校园安全", "教师队伍建设", "学前教育普及普惠", "义务教育优质均衡", "教育信息化", "控辍保学",
    "校外培训机构治理", "学生资助", "校园食品安全", "教育督导", "师德师风建设", "校园足球", "全民健身", "集团化办学",
    "乡村教育振兴", "家校共育", "劳动教育", "近视防控", "体质健康监测", "职业教育产教融合", "教育教学质量提升",
    "作业管理", "校舍建设", "营养改善计划", "语言文字规范化", "安全隐患排查", "疫情防控常态化",
]
# activities that only make sense in some months (others: any month)
SEASONAL = {
    "“学雷锋”志愿服务活动": {3}, "防溺水安全教育活动": {4, 5, 6, 7, 8}, "冬季长跑活动": {11, 12, 1},
    "全民国家安全教育日宣传活动": {4}, "“全国爱眼日”宣传活动": {6}, "“开学第一课”主题教育": {2, 3, 9},
    "“我们的节日·端午”主题活动": {5, 6}, "“我们的节日·中秋”主题活动": {9, 10}, "清明节网上祭英烈活动": {3, 4},
    "少先队入队仪式": {5, 6, 10}, "十四岁青春仪式": {4, 5, 6}, "毕业典礼": {6, 7}, "新生入学教育": {8, 9},
    "“推普周”宣传活动": {9}, "食品安全宣传周活动": {6}, "“学宪法 讲宪法”活动": {12}, "节约粮食“光盘行动”": {8, 9, 10, 11},
    "“万名教师访万家”家访活动": {7, 8, 12, 1}, "校园足球联赛": {4, 5, 10, 11}, "趣味运动会": {4, 5, 10, 11},
}
KINDERGARTEN_OK = {"消防安全应急疏散演练", "防震减灾演练", "家长进课堂活动", "趣味运动会", "交通安全教育活动",
                   "“我们的节日·端午”主题活动", "“我们的节日·中秋”主题活动", "毕业典礼", "读书节活动", "垃圾分类进校园活动",
                   "食品安全宣传周活动", "“全国爱眼日”宣传活动", "节约粮食“光盘行动”", "防溺水安全教育活动"}


def activity(rng: random.Random, d, school: str | None = None) -> str:
    """An activity plausible in the month of `d` (and for a kindergarten when `school` is one)."""
    pool = [a for a in ACTIVITIES if d.month in SEASONAL.get(a, range(1, 13))
            and (not school or "幼儿园" not in school or a in KINDERGARTEN_OK)]
    return rng.choice(pool or ACTIVITIES)


HONORS = [
    "山东省文明校园", "济宁市教育教学工作先进单位", "山东省中小学心理健康教育特色学校", "全国青少年校园足球特色学校",
    "山东省绿色学校", "济宁市优秀教研组", "山东省语言文字规范化示范校", "济宁市平安校园", "山东省智慧校园建设示范校",
    "济宁市优秀少先队集体", "山东省中小学劳动教育特色学校", "济宁市课程基地", "全国急救教育试点学校",
]
CONTESTS = [
    "中小学生田径运动会", "中小学生篮球比赛", "中小学生象棋比赛", "中小学生乒乓球比赛", "中小学生足球联赛",
    "中小学生书法绘画比赛", "中小学生科技创新大赛", "中小学生经典诵读比赛", "中小学教师优质课评选",
    "中小学生合唱比赛", "中小学生游泳比赛", "中小学生羽毛球比赛", "中小学生征文比赛", "全民健身运动会",
]
SPORT_EVENTS = [
    "全民健身运动会", "中小学生田径运动会", "全区职工篮球赛", "青少年足球联赛", "全民健身日主题活动", "社区健身广场舞比赛",
    "青少年游泳培训班", "全民健身志愿服务活动", "国民体质监测", "社会体育指导员培训班", "乒乓球公开赛", "象棋公开赛",
    "青少年篮球训练营", "马拉松健步走活动", "体育后备人才选拔赛", "冬季长跑比赛",
]
NOTICE_TASKS = [
    "中小学安全", "寒假", "暑假", "防溺水", "秋季开学", "春季开学", "教师资格认定", "普通话水平测试", "中小学生学籍管理",
    "校园欺凌防治", "中小学教材征订", "教育事业统计", "家庭经济困难学生资助", "学生营养改善计划", "校车安全管理",
    "中小学生近视防控", "教师继续教育学分登记", "中小学教师职称评审", "教育系统安全生产大检查", "中小学实验室安全",
    "汛期安全", "冬季安全", "教师节表彰", "新教师岗前培训", "中小学体质健康测试", "中小学“平安校园”创建",
]
HOLIDAYS = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节、国庆节"]
HOLIDAY_BY_MONTH = {1: "春节", 2: "清明节", 3: "清明节", 4: "劳动节", 5: "端午节", 6: "端午节", 7: "暑假", 8: "中秋节、国庆节",
                    9: "中秋节、国庆节", 10: "元旦", 11: "元旦", 12: "元旦"}
LETTER_BY_MONTH = {1: "寒假", 2: "寒假", 3: "清明节", 4: "五一", 5: "五一", 6: "暑假", 7: "暑假", 8: "暑假", 9: "国庆",
                   10: "国庆", 11: "冬季安全", 12: "寒假"}
PERSONNEL_TYPES = ["小学", "初中", "幼儿园", "高中", "特殊教育", "职业学校专业课"]
PLAN_THINGS = [
    "教师培训", "学校体育工作", "教育督导", "语言文字工作", "中小学德育工作", "学前教育宣传月", "全民健身",
    "校园安全专项整治", "教育信息化", "学生资助工作", "教研工作", "控辍保学", "校园足球",
]
SERVICE_ITEMS = [
    "教师资格认定", "民办学校设立审批", "校外培训机构审批", "中小学生转学", "学籍信息变更", "学生资助申请",
    "教师资格证补发", "体育社团登记指导", "公共体育设施开放预约", "义务教育入学登记",
]

def cn_date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def md(d) -> str:
    return f"{d.month}月{d.day}日"


def person(rng: random.Random) -> str:
    s = rng.choice(SURNAMES)
    g = rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]) if rng.random() < 0.7 else rng.choice(GIVEN)
    return s + g


# --------------------------------------------------------------------------- titles

def notice_title(rng: random.Random, d) -> str:
    y = d.year
    return rng.choice([
        lambda: f"关于做好{y}年{rng.choice(NOTICE_TASKS)}工作的通知",
        lambda: f"关于开展{y}年{activity(rng, d)}的通知",
        lambda: f"关于举办{y}年兖州区{rng.choice(CONTESTS)}的通知",
        lambda: f"关于公布{y}年兖州区{rng.choice(CONTESTS)}获奖名单的通知",
        lambda: f"关于{y + (d.month >= 10)}年{HOLIDAY_BY_MONTH[d.month]}放假安排及安全工作的通知",
        lambda: f"{y}年{LETTER_BY_MONTH[d.month]}致全区中小学生家长的一封信",
        lambda: f"关于{y}年{rng.choice(['上半年', '下半年'])}中小学教师资格认定工作的公告",
        lambda: f"关于{rng.choice(SCHOOLS)}{rng.choice(['新建塑胶运动场', '校舍维修改造', '教学设备采购', '食堂改造'])}项目的公示",
        lambda: f"关于表彰{y - 1}年度全区教育工作先进集体和先进个人的决定",
        lambda: f"关于组织参加{y}年{rng.choice(['普通话水平测试', '教师继续教育网络培训', '中小学教师全员培训'])}的通知",
        lambda: f"关于进一步加强{rng.choice(TOPICS)}工作的通知",
        lambda: f"关于{y}年{rng.choice(['山东省', '济宁市'])}{rng.choice(HONORS)}推荐名单的公示",
        lambda: f"关于开展{y}年度{rng.choice(['“最美教师”', '优秀班主任', '教学能手', '师德标兵'])}评选活动的通知",
    ])()


def personnel_title(rng: random.Random, d) -> str:
    y = d.year
    typ = rng.choice(PERSONNEL_TYPES)
    return rng.choice([
        lambda: f"{y}年兖州区教育系统公开招聘{typ}教师拟聘用人员公示",
        lambda: f"{y}年兖州区教育系统公开招聘{typ}教师笔试成绩公告",
        lambda: f"{y}年兖州区教育系统公开招聘{typ}教师面试公告",
        lambda: f"{y}年兖州区教育系统公开招聘{typ}教师体检和考察公告",
        lambda: f"{y}年度兖州区中小学教师{rng.choice(['中级', '高级', '初级'])}职称评审结果公示",
        lambda: f"关于{person(rng)}等同志职务任免的通知",
        lambda: f"{y}年兖州区中小学校长职级制改革拟聘人员公示",
        lambda: f"{y}年兖州区义务教育学校教师交流轮岗人员名单公示",
        lambda: f"兖州区{y}年“三支一扶”教育岗位拟聘人员公示",
        lambda: f"关于{y}年兖州区教育系统事业单位工作人员岗位聘任情况的公示",
    ])()


def plan_title(rng: random.Random, d) -> str:
    y = d.year
    return rng.choice([
        lambda: f"兖州区{y}年{rng.choice(PLAN_THINGS)}工作计划",
        lambda: f"兖州区教育和体育局{y}年{rng.choice(PLAN_THINGS)}工作要点",
        lambda: f"兖州区{y}年{rng.choice(PLAN_THINGS)}实施方案",
    ])()


def misc_title(rng: random.Random, d, topic: str) -> tuple[str, str | None]:
    """Titles for small catalogue columns whose items are outside the kind vocabulary."""
    y = d.year
    if topic == "回应关切":
        return rng.choice([
            f"关于网民反映“{rng.choice(SCHOOLS)}{rng.choice(['课后服务收费', '放学时间调整', '食堂饭菜质量', '校门口交通拥堵'])}”问题的回应",
            f"关于群众关注的{y}年{rng.choice(['秋季学期开学时间', '中考体育考试安排', '小学入学年龄', '校车运营'])}问题的回应",
            f"区教体局就“{rng.choice(['学区划分', '课后延时服务', '学生午休', '作业负担'])}”热点问题答记者问",
        ]), None
    if topic == "应急管理":
        return rng.choice([
            f"兖州区教育系统{rng.choice(['突发事件总体应急预案', '防汛应急预案', '食品安全事故应急预案', '突发公共卫生事件应急预案', '地震应急预案'])}",
            f"兖州区中小学校{rng.choice(['校园欺凌', '踩踏事故', '极端天气', '火灾事故'])}应急处置预案",
        ]), None
    if topic == "政务公开工作":
        return rng.choice([
            f"区教体局召开{y}年政务公开工作培训会",
            f"区教体局组织开展{y}年政务公开“回头看”自查工作",
            f"区教体局开展{'上半年' if d.month < 7 else '下半年'}政府信息公开业务培训",
            f"区教体局召开政务公开标准化规范化建设推进会",
            f"{rng.choice(SCHOOLS)}开展校务公开工作自查",
            f"区教体局{d.month}月份政府网站和政务新媒体自查情况",
        ]), None
    if topic == "政务服务":
        item = rng.choice(SERVICE_ITEMS)
        return rng.choice([f"{item}办事指南", f"{item}办事指南（{y}年修订）", f"{item}“一次办好”服务指引",
                           f"{item}材料清单及办理流程", f"关于{item}业务办理时间调整的公告"]), None
    if topic == "政府采购":
        return f"{rng.choice(SCHOOLS)}{rng.choice(['教学设备', '课桌椅', '图书', '体育器材', '录播教室设备', '空调'])}采购项目{rng.choice(['招标公告', '中标公告', '成交结果公告'])}", "notice"
    if topic == "法定主动公开内容":
        return rng.choice(["兖州区教育和体育局领导信息", "兖州区教育和体育局内设机构", "兖州区教育和体育局所属事业单位"]), None
    if topic == "依申请公开":
        return rng.choice(["兖州区教育和体育局依申请公开办理流程", "政府信息公开申请表（样表）"]), None
    return news_title(rng, d)[0], "news"


# --------------------------------------------------------------------------- bodies

def notice_body(rng: random.Random, d, title: str) -> list[str]:
    y = d.year
    return [
        "各镇（街）教委，区直各学校（幼儿园），局属各单位：",
        f"为{rng.choice(GOALS)}，根据上级有关文件精神，结合我区实际，现就有关事项通知如下。",
        f"一、高度重视，加强领导。各单位要充分认识做好此项工作的重要意义，主要负责同志亲自抓，分管负责同志具体抓，确保各项措施落实到位。",
        f"二、明确任务，细化措施。各单位要于{y}年{d.month}月{min(28, d.day + rng.randint(3, 12))}日前将相关材料报送至区教体局{rng.choice(['办公室', '基础教育科', '计财科', '人事科', '安全科'])}。",
        "三、强化督导，确保实效。区教体局将适时对各单位工作开展情况进行督导检查，并将检查结果纳入年度考核。",
        f"联系电话：0537-34{rng.randint(10000, 99999)}",
        f"{BUREAU}",
        cn_date(d),
    ]


def personnel_body(rng: random.Random, d, title: str) -> list[str]:
    names = "、".join(person(rng) for _ in range(rng.randint(3, 8)))
    return [
        f"根据《事业单位公开招聘人员暂行规定》等有关规定，经研究，现将有关情况予以公示。",
        f"拟聘用（任用）人员：{names}等。",
        f"公示期为{cn_date(d)}至{d.month}月{min(28, d.day + 7)}日（5个工作日）。公示期间，如对公示人员有异议，可通过电话、来信、来访等方式向区教体局人事科反映。",
        f"监督电话：0537-34{rng.randint(10000, 99999)}",
        f"{BUREAU}",
        cn_date(d),
    ]


def generic_body(rng: random.Random, d, title: str) -> list[str]:
    return [
        f"为{rng.choice(GOALS)}，现将《{title}》有关内容公开如下。",
        "一、总体要求。坚持以人民为中心的发展思想，聚焦群众关心关注的热点难点问题，推动各项工作规范有序开展。",
        "二、主要内容。各责任科室、单位要严格按照职责分工，细化工作措施，明确完成时限，确保按时保质完成各项任务。",
        "三、保障措施。加强组织领导，强化督导检查，健全工作机制，做好宣传引导，营造良好氛围。",
        f"{BUREAU}",
        cn_date(d),
    ]


PLACES = ["区教体局会议室", "区政务服务中心", "区教体局三楼会议室", "区教师发展中心报告厅"]
VENUES = ["区体育中心", "兖州区第一中学体育场", "区全民健身中心", "兖州区实验中学体育馆", "区青少年活动中心"]
GOALS = [
    "进一步加强校园安全管理", "深入贯彻落实立德树人根本任务", "全面提升教育教学质量", "丰富学生课余生活",
    "增强师生安全意识和自救自护能力", "推动全区教育高质量发展", "加强师德师风建设", "营造浓厚的校园文化氛围",
    "促进学生全面发展", "巩固义务教育优质均衡发展成果",
]
ROLES = ["区教体局主要负责同志", "区教体局分管负责同志", "区教体局党组成员、副局长", "区教体局党组书记、局长"]
EXPERTS = ["消防救援人员", "交警中队民警", "心理健康教育专家", "区疾控中心专业人员", "法治副校长", "专业教练员"]
ACT_VERBS = ["开展", "举行", "组织开展"]


def covid_ok(d) -> bool:
    return (d.year, d.month, d.day) >= (2020, 1, 25)


def _meeting(rng, d):
    pool = [m for m in MEETINGS if covid_ok(d) or "疫情" not in m and "双减" not in m]
    m = rng.choice(pool)
    topic = m.replace("全区", "").replace("教育系统", "").replace("工作会议", "").replace("工作推进会", "") \
        .replace("工作调度会", "").replace("调度会", "").replace("推进会", "").replace("会议", "").replace("专题", "") \
        .replace("工作", "").replace("培训会", "培训") or "教育"
    return m, topic


def _topic(rng, d):
    pool = [t for t in TOPICS if covid_ok(d) or "疫情" not in t]
    return rng.choice(pool)


def news_title(rng: random.Random, d, publisher: str | None = None):
    """An ordinary 动态 title, its publisher and the event behind it (used to write a matching body)."""
    y = d.year
    school = publisher or rng.choice(SCHOOLS)
    town = rng.choice(TOWNS)
    t = _topic(rng, d)
    act = activity(rng, d, school)
    forms = [
        lambda: (lambda m: (f"区教体局召开{y}年{m[0]}", BUREAU_SHORT, ("meeting", m[1], m[0])))(_meeting(rng, d)),
        lambda: (lambda m: (f"区教体局召开{m[0]}", BUREAU_SHORT, ("meeting", m[1], m[0])))(_meeting(rng, d)),
        lambda: (f"{school}开展{act}", school, ("activity", act, school)),
        lambda: (f"{school}举行{act}", school, ("activity", act, school)),
        lambda: (f"区教体局扎实推进{t}工作", BUREAU_SHORT, ("practice", t, "区教体局")),
        lambda: (f"区教体局开展{t}专项督导检查", BUREAU_SHORT, ("inspection", t, "")),
        lambda: (f"{town}教委组织开展{act}", BUREAU_SHORT, ("activity", act, f"{town}教委")),
        lambda: (f"{school}：多措并举抓好{t}工作", school, ("practice", t, school)),
        lambda: (lambda h: (f"{school}荣获“{h}”称号", school, ("honor", h, school)))(rng.choice(HONORS)),
        lambda: (lambda h, n: (f"我区{n}所学校获评{h}", BUREAU_SHORT, ("honor", h, f"我区{n}所学校")))(
            rng.choice(HONORS), rng.randint(2, 15)),
        lambda: (f"区领导到{school}调研{t}工作", BUREAU_SHORT, ("research", t, school)),
        lambda: (lambda c: (f"我区学生在济宁市{c}中获佳绩", BUREAU_SHORT, ("award", c, "")))(rng.choice(CONTESTS)),
        lambda: (lambda c: (f"兖州区{y}年{c}圆满落幕", BUREAU_SHORT, ("contest", c, f"兖州区{y}年{c}")))(rng.choice(CONTESTS)),
        lambda: (f"【校园风采】{school}{act}", school, ("activity", act, school)),
        lambda: (f"区教体局召开{t}工作推进会", BUREAU_SHORT, ("meeting", t, f"{t}工作推进会")),
        lambda: (f"区教体局组织开展{y}年{t}培训", BUREAU_SHORT, ("training", t, "")),
        lambda: (lambda k: (f"{school}“{k}”推动{t}见实效", school, ("practice", t, school)))(
            rng.choice(["三个聚焦", "四个强化", "五项举措", "六个到位"])),
        lambda: (f"兖州区{t}工作经验在全市推广", BUREAU_SHORT, ("practice", t, "区教体局")),
    ]
    return rng.choice(forms)()


def topical_title(rng: random.Random, d, column_topic: str):
    """Titles (with publisher and event) for the themed bureau columns."""
    y = d.year
    if column_topic == "学前教育":
        k = rng.choice(PRESCHOOLS)
        a = rng.choice(["亲子运动会", "家长开放日活动", "消防安全应急疏散演练", "幼小衔接专题讲座"]
                       + (["“快乐六一”文艺汇演"] if d.month in (5, 6) else []) + (["毕业典礼"] if d.month in (6, 7) else []))
        return rng.choice([
            (f"{k}开展{a}", k, ("activity", a, k)),
            (f"区教体局开展{y}年学前教育宣传月活动", BUREAU_SHORT, ("practice", "学前教育宣传", "区教体局")),
            ("区教体局组织开展幼儿园保教质量督导评估", BUREAU_SHORT, ("inspection", "幼儿园保教质量", "")),
            (f"我区{rng.randint(2, 9)}所幼儿园通过省级示范园评估", BUREAU_SHORT, ("honor", "省级示范幼儿园", "我区幼儿园")),
            (f"{k}举行教师技能比武", k, ("activity", "教师技能比武", k)),
        ])
    if column_topic == "体育工作":
        e = rng.choice(SPORT_EVENTS)
        return (f"兖州区{y}年{e}{rng.choice(['圆满结束', '开幕', '举行', '成功举办'])}", "兖州区体育运动服务中心",
                ("contest", e, f"兖州区{y}年{e}"))
    if column_topic == "校园安全":
        what = rng.choice(["校园周边环境", "校车安全", "学校食堂食品安全", "消防安全"] + (["汛期安全"] if 5 <= d.month <= 9 else []))
        drill = rng.choice(["消防安全应急疏散演练", "防震减灾演练", "交通安全教育活动"]
                           + (["防溺水安全教育活动"] if 4 <= d.month <= 8 else []))
        s = rng.choice(SCHOOLS)
        season = rng.choice(["校园安全", "安全生产"] + (["冬季安全"] if d.month in (11, 12, 1) else [])
                            + (["暑期安全"] if d.month in (6, 7) else []))
        return rng.choice([
            (f"区教体局开展{what}专项检查", BUREAU_SHORT, ("inspection", what, "")),
            (f"{s}开展{drill}", s, ("activity", drill, s)),
            (f"区教体局召开{y}年{season}工作会议", BUREAU_SHORT, ("meeting", season, f"{y}年{season}工作会议")),
        ])
    if column_topic == "疫情防控":
        s = rng.choice(SCHOOLS)
        return rng.choice([
            (f"区教体局{rng.choice(['督导检查', '调度部署'])}学校疫情防控工作", BUREAU_SHORT, ("inspection", "学校疫情防控", "")),
            (f"{s}开展疫情防控应急演练", s, ("activity", "疫情防控应急演练", s)),
            ("兖州区中小学“停课不停学”线上教学工作有序开展", BUREAU_SHORT, ("practice", "线上教学", "区教体局")),
            (f"区教体局开展{rng.choice(['校园环境消杀', '防疫物资储备', '晨午检制度落实'])}情况专项检查", BUREAU_SHORT,
             ("inspection", "疫情防控", "")),
            (f"{s}：织密防控网 守护师生健康", s, ("practice", "疫情防控", s)),
        ])
    if column_topic == "资助工作":
        s = rng.choice(SCHOOLS)
        return rng.choice([
            (f"兖州区{y}年{'春季' if d.month < 7 else '秋季'}学期学生资助资金发放完毕", "兖州区学生资助管理中心",
             ("practice", "学生资助", "区学生资助管理中心")),
            (f"区教体局开展{y}年学生资助政策宣传活动", "兖州区学生资助管理中心", ("practice", "学生资助政策宣传", "区教体局")),
            (f"兖州区{y}年生源地信用助学贷款工作启动", "兖州区学生资助管理中心", ("practice", "生源地信用助学贷款", "区教体局")),
            (f"{s}开展资助政策宣传进家庭活动", s, ("activity", "资助政策宣传进家庭活动", s)),
            (f"{s}：精准资助 温暖成长", s, ("practice", "学生资助", s)),
        ])
    if column_topic == "职业教育":
        major = rng.choice(["机电技术应用", "计算机应用", "电子商务", "汽车运用与维修", "学前教育", "会计事务", "数控技术应用"])
        firm = rng.choice(["兖州工业园区企业", "区内装备制造企业", "济宁市汽车销售服务企业", "区电子商务产业园"])
        v = "兖州区职业中等专业学校"
        return rng.choice([
            (f"{v}与{firm}开展校企合作签约仪式", v, ("activity", "校企合作签约仪式", v)),
            (f"{v}学生在{y}年{rng.choice(['山东省', '济宁市'])}职业院校技能大赛{major}赛项中获佳绩", v,
             ("award", f"{y}年职业院校技能大赛", "")),
            (f"{v}{major}专业学生赴企业开展跟岗实习", v, ("activity", "跟岗实习", v)),
            (f"{v}举行{y}年技能节", v, ("activity", "技能节", v)),
            (f"兖州区{y}年职业教育活动周启动", BUREAU_SHORT, ("practice", "职业教育活动周", "区教体局")),
        ])
    if column_topic == "语言文字":
        w = rng.choice(["推普周", "经典诵读", "规范汉字书写", "语言文字规范化"])
        s = rng.choice(SCHOOLS)
        return rng.choice([
            (f"兖州区{y}年{w}{rng.choice(['活动启动', '工作扎实开展'])}", BUREAU_SHORT, ("practice", w, "区教体局")),
            (f"{s}开展{w}活动", s, ("activity", f"{w}活动", s)),
        ])
    if column_topic == "教育督导":
        s = rng.choice(SCHOOLS)
        return rng.choice([
            (f"区教体局开展{y}年{'春季' if d.month < 7 else '秋季'}开学专项督导", BUREAU_SHORT, ("inspection", "开学工作", "")),
            (f"{s}迎接{rng.choice(['学校办学水平', '责任督学挂牌督导'])}督导评估", s, ("inspection", "学校办学水平", "")),
            (f"兖州区责任督学开展{rng.choice(['课后服务', '作业管理', '校园安全', '食堂管理'])}专项督导", BUREAU_SHORT,
             ("inspection", "责任督学专项督导", "")),
        ])
    if column_topic == "教师队伍建设":
        h = rng.choice(["优秀教师", "教学能手", "骨干教师", "优秀班主任"])
        return rng.choice([
            (f"区教体局举办{y}年新入职教师岗前培训", BUREAU_SHORT, ("training", "新入职教师岗前", "")),
            (f"兖州区{rng.randint(3, 30)}名教师获评济宁市{h}", BUREAU_SHORT, ("honor", f"济宁市{h}", "我区教师")),
            (f"区教体局开展{y}年师德师风专题教育", BUREAU_SHORT, ("training", "师德师风", "")),
            (f"兖州区名师工作室开展{rng.choice(['送教下乡', '专题研讨', '示范课展示'])}活动", "兖州区教学研究室",
             ("activity", "名师工作室", "兖州区名师工作室")),
        ])
    if column_topic == "民办教育":
        town = rng.choice(TOWNS)
        return rng.choice([
            (f"区教体局开展民办学校{y}年度检查", BUREAU_SHORT, ("inspection", "民办学校年度", "")),
            (f"区教体局对{town}校外培训机构开展{rng.choice(['专项治理', '安全检查', '收费检查', '联合执法检查'])}", BUREAU_SHORT,
             ("inspection", "校外培训机构", "")),
            (f"兖州区{y}年民办教育工作会议召开", BUREAU_SHORT, ("meeting", "民办教育", f"{y}年民办教育工作会议")),
            (f"区教体局召开{town}民办幼儿园规范办园座谈会", BUREAU_SHORT, ("meeting", "民办幼儿园规范办园", "民办幼儿园规范办园座谈会")),
        ])
    return news_title(rng, d)


# --------------------------------------------------------------------------- news bodies

_BODY = {
    "meeting": (
        ["{md}{ampm}，区教体局召开{what}。{role}出席会议并讲话，{attend}参加会议。",
         "{md}{ampm}，{what}在{place}召开。{role}出席会议并讲话，{attend}参加会议。"],
        ["会议传达学习了上级有关会议和文件精神，通报了前一阶段{topic}工作开展情况。",
         "会议总结了前一阶段工作，分析了当前面临的形势和任务，对下一阶段{topic}工作进行了安排部署。",
         "会上，{n2}个单位作了典型发言，交流了经验做法。",
         "会议印发了有关工作方案，明确了重点任务、责任分工和完成时限。"],
        ["会议强调，要提高政治站位，切实增强做好{topic}工作的责任感和紧迫感；要压实工作责任，细化工作措施，确保各项任务落地见效。",
         "会议要求，各单位要迅速传达会议精神，结合实际抓好贯彻落实，以钉钉子精神推动{topic}各项工作落实落细。"],
    ),
    "activity": (
        ["{md}，{who}{verb}{what}。", "为{goal}，{md}，{who}{verb}{what}。", "近日，{who}{verb}{what}。"],
        ["活动中，师生们积极参与、热情高涨，现场气氛热烈。", "此次活动共有{n}名师生参加。",
         "活动结合学生年龄特点，设置了知识竞答、情景模拟、互动体验等环节，寓教于乐。",
         "学校还通过致家长一封信、微信公众号等形式，引导家长共同参与，形成家校共育合力。",
         "活动现场，{expert}进行了示范讲解，并耐心解答了师生提出的问题。"],
        ["此次活动的开展，进一步丰富了校园文化生活，取得了良好效果。",
         "下一步，{who}将以此次活动为契机，持续丰富活动载体，推动各项工作再上新台阶。"],
    ),
    "inspection": (
        ["{md}起，区教体局组成{n2}个检查组，对全区中小学校（幼儿园）{topic}工作开展专项督导检查。",
         "为{goal}，{md}，区教体局组织开展{topic}专项检查。"],
        ["检查组通过查阅资料、实地查看、座谈交流等方式，对各单位制度建设、责任落实、日常管理等情况进行了全面检查。",
         "从检查情况看，各单位高度重视，措施得力，工作总体情况良好。",
         "针对检查中发现的{n2}处问题隐患，检查组现场反馈并下发整改通知书，要求限期整改到位。"],
        ["下一步，区教体局将持续加强督导检查，对问题整改情况开展“回头看”，确保整改到位。"],
    ),
    "honor": (
        ["近日，上级部门公布了{what}名单，{who}榜上有名。", "日前，{who}获评“{what}”。"],
        ["近年来，{who}坚持立德树人根本任务，注重内涵发展和特色建设，办学质量和社会影响力不断提升。",
         "此次获评，是对{who}近年来工作成效的充分肯定。"],
        ["{who}将以此为新的起点，珍惜荣誉、再接再厉，努力办好人民满意的教育。"],
    ),
    "contest": (
        ["{md}，{who}在{venue}举行。", "{md}至{md2}，{who}在{venue}举行。"],
        ["本次比赛共有{n2}支代表队、{n}名运动员参加。", "比赛历时{days}天，共决出团体奖项{m}个、个人奖项{n2}个。",
         "赛场上，参赛选手顽强拼搏、赛出风格、赛出水平，充分展示了良好的精神风貌。"],
        ["此次比赛的举办，进一步营造了全民参与、健康向上的良好氛围。"],
    ),
    "award": (
        ["近日，{what}落下帷幕。我区代表队共获得一等奖{a}个、二等奖{b}个、三等奖{c}个，成绩位居全市前列。"],
        ["比赛期间，我区参赛选手沉着冷静、奋勇争先，展示了良好的综合素质。",
         "取得的优异成绩，是我区坚持“五育并举”、推进素质教育的集中体现。"],
        ["下一步，区教体局将继续搭建展示平台，促进学生全面发展。"],
    ),
    "research": (
        ["{md}，区领导到{who}调研{topic}工作，区教体局主要负责同志陪同。"],
        ["调研组一行实地查看了校园环境、功能教室和{topic}工作开展情况，详细了解存在的困难和问题。",
         "在随后召开的座谈会上，调研组听取了学校关于{topic}工作的情况汇报。"],
        ["区领导对{who}{topic}工作取得的成效给予肯定，要求进一步强化措施、补齐短板，推动{topic}工作高质量发展。"],
    ),
    "practice": (
        ["今年以来，{who}坚持问题导向和目标导向，多措并举推进{topic}工作，取得明显成效。"],
        ["一是加强组织领导。成立工作专班，明确责任分工，形成一级抓一级、层层抓落实的工作格局。",
         "二是完善工作机制。建立健全工作台账和定期调度制度，及时研究解决工作中遇到的问题。",
         "三是强化督导考核。将{topic}工作纳入年度考核，定期通报工作进展。"],
        ["下一步，{who}将持续加强{topic}工作，不断总结经验、完善机制，推动各项工作提质增效。"],
    ),
    "training": (
        ["{md}，区教体局组织开展{topic}培训，各镇（街）教委、区直各学校相关人员共{n}人参加。"],
        ["培训邀请有关专家围绕{topic}作专题辅导，内容丰富、针对性强。",
         "培训采取专题讲座、案例分析、交流研讨相结合的方式，参训人员纷纷表示收获很大。"],
        ["通过此次培训，进一步提升了参训人员的业务能力和工作水平。"],
    ),
}


def news_body(rng: random.Random, d, title: str, publisher: str, ev=None) -> list[str]:
    typ, what, who = ev or ("activity", title, publisher)
    opens, mids, closes = _BODY.get(typ, _BODY["activity"])
    topic = what if typ in ("practice", "inspection", "research", "training", "meeting") else _topic(rng, d)
    if typ == "meeting":
        what, topic = (who if who.endswith(("会议", "会", "培训")) else f"{what}工作会议"), what
    if typ in ("inspection", "training", "award"):
        who = who or "区教体局"
    d2 = d.fromordinal(d.toordinal() + rng.randint(1, 3))
    fmt = dict(md=md(d), md2=md(d2), ampm=rng.choice(["上午", "下午", ""]), what=what, who=who or "区教体局",
               verb=rng.choice(ACT_VERBS), topic=topic, goal=rng.choice(GOALS), role=rng.choice(ROLES),
               attend="各镇（街）教委、区直各学校（幼儿园）主要负责同志", place=rng.choice(PLACES),
               venue=rng.choice(VENUES), expert=rng.choice(EXPERTS), n=rng.randint(40, 900), n2=rng.randint(3, 30),
               m=rng.randint(4, 20), days=rng.randint(2, 4), a=rng.randint(1, 6), b=rng.randint(2, 9), c=rng.randint(3, 12))
    paras = [rng.choice(opens).format(**fmt)]
    paras += [s.format(**fmt) for s in rng.sample(mids, rng.randint(min(2, len(mids)), len(mids)))]
    paras.append(rng.choice(closes).format(**fmt))
    return paras


def upper_news_body(rng: random.Random, d, title: str, unit: str) -> list[str]:
    topic = next((t for t in UPPER_TOPICS if t in title), rng.choice(UPPER_TOPICS))
    return [
        f"{md(d)}，{title}。",
        f"会议听取了{topic}工作有关情况汇报，分析了当前形势，研究部署了下一步重点任务。",
        f"会议指出，做好{topic}工作事关经济社会发展大局和人民群众切身利益，各级各部门要切实扛牢责任，抓好工作落实。",
        "会议要求，要坚持问题导向，强化统筹调度，加强督导检查，确保各项任务按时保质完成。",
    ]


# --------------------------------------------------------------------------- upper-level columns

PROVINCE_PLACES = ["济南市", "青岛市", "淄博市", "枣庄市", "东营市", "烟台市", "潍坊市", "济宁市", "泰安市", "威海市",
                   "日照市", "临沂市", "德州市", "聊城市", "滨州市", "菏泽市"]
PROVINCE_COUNTIES = ["济南市历下区", "济南市章丘区", "青岛市黄岛区", "青岛市即墨区", "淄博市张店区", "枣庄市滕州市",
                     "东营市广饶县", "烟台市龙口市", "潍坊市寿光市", "济宁市任城区", "济宁市曲阜市", "济宁市邹城市",
                     "泰安市肥城市", "威海市荣成市", "日照市莒县", "临沂市兰陵县", "德州市齐河县", "聊城市茌平区",
                     "滨州市博兴县", "菏泽市单县"]
PROVINCE_DEPTS = ["省教育厅", "省财政厅", "省人力资源社会保障厅", "省卫生健康委", "省自然资源厅", "省住房城乡建设厅",
                  "省市场监管局", "省医保局", "省民政厅", "省农业农村厅", "省生态环境厅", "省交通运输厅"]
CITY_UNITS = ["任城区", "兖州区", "曲阜市", "邹城市", "微山县", "鱼台县", "金乡县", "嘉祥县", "汶上县", "泗水县", "梁山县",
              "济宁高新区", "太白湖新区", "济宁经济技术开发区", "市教育局", "市卫生健康委", "市自然资源和规划局",
              "市行政审批服务局", "市医保局", "市民政局", "市人力资源社会保障局", "市住房城乡建设局"]
DISTRICT_DEPTS = ["兖州区发展和改革局", "兖州区财政局", "兖州区卫生健康局", "兖州区人力资源和社会保障局", "兖州区民政局",
                  "兖州区住房和城乡建设局", "兖州区自然资源局", "兖州区市场监督管理局", "兖州区行政审批服务局",
                  "兖州区医疗保障局", "兖州区退役军人事务局", "兖州区农业农村局", "兖州区司法局", "兖州区应急管理局"]
DISTRICT_TOWNS = ["兖州区" + t for t in TOWNS]

PRACTICES = [
    "扎实推进基层政务公开标准化规范化建设", "多措并举提升政务公开质效", "创新开展“政府开放日”活动",
    "强化政策解读 积极回应社会关切", "规范政务新媒体管理 提升公开实效", "召开政务公开工作推进会",
    "开展政务公开业务培训", "推进重点领域信息公开", "打造政务公开专区 服务群众零距离", "“四个强化”推动政务公开提质增效",
    "“三个聚焦”深化政务公开工作", "以公开促落实 以公开优服务", "推进决策公开 扩大公众参与", "做实做细政策“一口清”服务",
    "完善政务公开制度体系", "建设“一站式”政务公开体验区", "开展政务公开“回头看”", "健全依申请公开工作机制",
    "推进政务服务“一网通办”信息公开", "抓好民生实事项目执行情况公开",
]
BUREAU_PRACTICES = [
    "聚焦教育民生 推进教育领域政务公开", "扎实推进教育领域基层政务公开标准化规范化", "“四个强化”推动教育政务公开提质增效",
    "强化招生入学信息公开 保障群众知情权", "开展“政府开放日”活动 邀请家长走进校园", "做好复学疫情防控信息公开",
    "召开政务公开工作推进会", "多措并举做好教育政策解读", "规范教育系统政务新媒体管理", "推进学校信息公开全覆盖",
    "以公开促规范 以规范促服务", "开展政务公开业务培训提升工作水平",
]


def upper_title(rng: random.Random, unit: str) -> str:
    return rng.choice([f"{unit}{rng.choice(PRACTICES)}", f"{unit}：{rng.choice(PRACTICES)}", f"【{unit}】{rng.choice(PRACTICES)}"])


def upper_body(rng: random.Random, d, unit: str, title: str) -> list[str]:
    topic = rng.choice(["政务公开", "基层政务公开标准化规范化", "政策解读", "公众参与", "政务新媒体"])
    return [
        f"今年以来，{unit}坚持以公开为常态、不公开为例外，围绕中心工作和群众关切，扎实推进{topic}工作，取得明显成效。",
        f"一是强化组织领导。成立由主要负责同志任组长的工作领导小组，定期研究部署，将政务公开工作纳入年度考核，压紧压实工作责任。",
        f"二是聚焦重点领域。围绕{'招生入学、学生资助、校园安全' if '教' in unit else rng.choice(['教育', '医疗卫生', '社会救助', '就业创业', '城乡建设', '市场监管'])}等重点领域，及时公开政策文件、办事指南、执行结果等信息，今年累计主动公开信息{rng.randint(100, 3000)}条。",
        f"三是创新公开方式。通过政府网站、政务新媒体、政务公开专区等多种渠道，拓展公开广度深度，开展“政府开放日”等活动{rng.randint(2, 20)}场次。",
        f"下一步，{unit}将持续深化政务公开工作，不断提升政务公开的质量和实效。",
    ]


UPPER_NEWS = {
    "province": [
        "省政府常务会议研究部署{t}工作", "全省{t}工作推进会议召开", "{p}{t}工作取得新进展", "省政府新闻办举行{t}新闻发布会",
        "山东出台{t}若干措施", "全省{t}现场会在{p}召开",
    ],
    "city": [
        "市政府常务会议研究{t}工作", "全市{t}工作会议召开", "{p}扎实推进{t}工作", "济宁市{t}工作新闻发布会举行",
        "全市{t}现场观摩会在{p}召开",
    ],
    "district": [
        "区政府常务会议研究{t}工作", "全区{t}工作会议召开", "{p}扎实推进{t}工作", "兖州区{t}工作新闻发布会举行",
        "区领导到{p}调研{t}工作",
    ],
}
UPPER_TOPICS = ["优化营商环境", "乡村振兴", "安全生产", "疫情防控", "生态环境保护", "重大项目建设", "民生实事", "文明城市创建",
                "稳就业保民生", "新旧动能转换", "森林防火", "防汛抗旱", "冬季清洁取暖", "招商引资", "“放管服”改革"]
