"""Fixed tables behind the demo county (``server.demo.data``): places, names, matters, rubrics.

Wording follows the township service-centre documents in the project's seeds and common
county catalogues; the county, its townships and all people are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass

# (township, street for the address, relative case volume)
CENTRES: tuple[tuple[str, str, float], ...] = (
    ("城关镇", "人民路", 2.0), ("石桥镇", "新街", 1.3), ("白沙乡", "白沙街", 0.7),
    ("青龙镇", "青龙大道", 1.1), ("柳溪乡", "柳溪街", 0.6), ("高桥镇", "建设路", 1.0),
    ("黄土岭乡", "岭下街", 0.5), ("龙潭镇", "龙潭路", 0.9), ("枫林镇", "枫林大道", 0.8),
    ("大坪乡", "大坪街", 0.6), ("杉木乡", "杉木街", 0.5), ("金竹镇", "金竹路", 1.0),
)

VILLAGES: tuple[str, ...] = (
    "新塘", "上坪", "下湾", "杨家", "李家", "枫树", "竹山", "东岭", "河口", "石门", "桥头",
    "长岭", "大塘", "田心", "梅子", "洞口", "黄泥", "坳上", "水口", "樟树", "荷塘", "茶园",
)

# (window name, window unit); the first four are in every centre
WINDOWS: tuple[tuple[str, str], ...] = (
    ("综合受理窗口", "便民服务中心"), ("社保窗口", "人社所"), ("医保窗口", "医保站"),
    ("民政窗口", "民政办"), ("退役军人服务窗口", "退役军人服务站"),
    ("农业农村窗口", "农业综合服务中心"), ("不动产窗口", "自然资源所"),
    ("卫健窗口", "卫健办"), ("残联窗口", "残联"),
)

FAMILY_NAMES: tuple[str, ...] = tuple(
    "王王王李李李张张张刘刘陈陈杨杨黄黄赵吴周周徐孙马朱胡胡郭何何高林罗罗郑梁谢宋唐许韩"
    "冯邓邓曹彭彭曾曾肖田董袁潘蒋蔡余余杜叶程苏魏吕丁任沈姚卢钟谭谭廖付熊熊邱江万龚严")

# GIVEN_NAMES[female][era]: era 0 born before 1965, 1 before 1990, 2 later
GIVEN_NAMES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("建国", "德明", "国庆", "水生", "长根", "福生", "金华", "永福", "发财", "春生", "志刚",
      "树林", "炳生", "冬生", "茂林"),
     ("伟", "军", "勇", "磊", "强", "涛", "斌", "波", "华平", "志强", "建华", "海军", "小明",
      "文斌", "卫东"),
     ("浩", "宇", "俊杰", "子豪", "宇航", "浩然", "博文", "鑫", "晨阳", "家豪", "子轩", "一鸣")),
    (("秀英", "桂英", "秀兰", "玉兰", "桂兰", "凤英", "冬梅", "金凤", "春花", "菊英", "细妹",
      "兰英", "玉梅", "满秀"),
     ("丽", "芳", "娟", "敏", "静", "霞", "燕", "艳", "红梅", "小红", "丽萍", "海燕", "慧",
      "春燕"),
     ("婷", "雪", "欣怡", "梓涵", "思琪", "雨欣", "佳怡", "诗雨", "晓雯", "梦瑶", "颖")),
)


@dataclass(frozen=True)
class Matter:
    """A catalogue entry plus how the demo uses it.

    ``flags``: h = suited to home service, s = needs a site survey (on Thursdays),
    f = followed up by a visit, g = often via the green channel, i = busier Sep–Dec.
    """

    name: str
    kind: str
    days: int
    dept: str
    dept_code: str
    materials: tuple[str, ...]
    flags: str
    ages: tuple[int, int]
    weight: float
    fee: str = "不收费"
    basis: str = ""
    refusals: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        """The window unit that takes the case (the lead department)."""
        return self.dept.split("、")[0]


_ID = ("居民身份证",)
_HH = ("居民身份证", "户口簿")
_AID = "《社会救助暂行办法》"
_POOR = ("家庭收入及财产状况申报表", "家庭经济状况核对授权书", "村(居)委会评议意见")
MATTERS: tuple[Matter, ...] = (
    Matter("城乡居民基本养老保险参保登记", "immediate", 0, "人社所", "RS", _HH, "", (16, 59), 9,
           basis="《中华人民共和国社会保险法》",
           refusals=("申请人已参加职工基本养老保险，不能重复参保",)),
    Matter("城乡居民基本养老保险待遇申领", "time_limited", 10, "人社所", "RS",
           (*_HH, "社会保障卡"), "hf", (59, 62), 4),
    Matter("城乡居民养老保险关系转移接续", "time_limited", 15, "人社所", "RS",
           (*_ID, "转移接续申请表", "参保缴费凭证"), "", (25, 59), 1),
    Matter("就业失业登记", "immediate", 0, "人社所", "RS", (*_ID, "就业创业证"), "", (18, 55), 3),
    Matter("社会保障卡申领", "time_limited", 5, "人社所", "RS", (*_ID, "近期免冠一寸照片"), "",
           (1, 80), 5),
    Matter("城乡居民基本医疗保险参保登记", "immediate", 0, "医保站", "YB", _HH, "i", (0, 85), 10,
           basis="《中华人民共和国社会保险法》"),
    Matter("异地就医备案", "immediate", 0, "医保站", "YB", (*_ID, "异地就医备案表"), "",
           (20, 85), 4),
    Matter("门诊慢特病待遇认定", "time_limited", 15, "医保站", "YB",
           (*_ID, "医保电子凭证或社会保障卡", "病历资料", "诊断证明"), "h", (40, 88), 3),
    Matter("医疗费用手工(零星)报销", "time_limited", 20, "医保站", "YB",
           (*_ID, "医疗费用发票", "费用明细清单", "出院小结"), "", (1, 88), 3),
    Matter("最低生活保障申请", "joint", 20, "民政办、村(居)委会", "MZ", (*_HH, *_POOR), "sfg",
           (25, 85), 2, basis=_AID,
           refusals=("家庭人均收入高于当地低保标准，已书面告知理由",)),
    Matter("特困人员救助供养申请", "joint", 20, "民政办", "MZ", (*_HH, *_POOR), "hsf", (60, 92),
           1, basis=_AID),
    Matter("临时救助申请", "time_limited", 10, "民政办", "MZ",
           (*_HH, "临时救助申请书", "困难情况证明材料"), "hfg", (20, 85), 2, basis=_AID),
    Matter("高龄津贴申请", "time_limited", 10, "民政办", "MZ", (*_HH, "银行卡(一卡通)"), "hf",
           (80, 99), 4, basis="《中华人民共和国老年人权益保障法》"),
    Matter("居家养老服务补贴申请", "time_limited", 10, "民政办", "MZ",
           (*_HH, "老年人能力评估表"), "hf", (70, 95), 1),
    Matter("困境儿童基本生活保障申请", "time_limited", 15, "民政办", "MZ",
           (*_HH, "监护人身份证", "困境情况证明"), "f", (3, 16), 1),
    Matter("殡葬惠民补贴申领", "time_limited", 5, "民政办", "MZ",
           (*_ID, "火化证明", "死亡证明", "经办人身份证"), "", (30, 70), 1),
    Matter("残疾人两项补贴申请", "time_limited", 15, "残联、民政办", "CL",
           (*_HH, "残疾人证", "银行卡(一卡通)"), "hf", (16, 90), 3,
           basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》"),
    Matter("残疾人证办理(新办、换领)", "time_limited", 20, "残联", "CL",
           (*_HH, "近期免冠二寸照片", "残疾评定表"), "h", (3, 90), 2,
           basis="《中华人民共和国残疾人保障法》"),
    Matter("残疾人家庭无障碍改造申请", "time_limited", 20, "残联", "CL",
           (*_HH, "残疾人证", "改造申请表"), "hsf", (20, 90), 1),
    Matter("生育登记服务", "immediate", 0, "卫健办", "WJ", (*_ID, "结婚证"), "", (22, 40), 3),
    Matter("农村部分计划生育家庭奖励扶助申报", "time_limited", 15, "卫健办", "WJ",
           (*_HH, "独生子女父母光荣证", "村委会证明"), "h", (59, 62), 1),
    Matter("计划生育特别扶助申请", "time_limited", 15, "卫健办", "WJ",
           (*_HH, "子女死亡或伤残证明"), "hf", (49, 75), 1),
    Matter("独生子女父母光荣证办理", "immediate", 0, "卫健办", "WJ",
           (*_HH, "结婚证", "子女出生医学证明"), "", (25, 45), 1),
    Matter("退役军人信息采集", "immediate", 0, "退役军人服务站", "TY", (*_ID, "退伍证"), "",
           (22, 80), 2),
    Matter("优抚对象抚恤补助申请", "time_limited", 15, "退役军人服务站", "TY",
           (*_HH, "优抚证件", "银行卡(一卡通)"), "hf", (50, 95), 1,
           basis="《军人抚恤优待条例》"),
    Matter("退役军人优待证申领", "time_limited", 10, "退役军人服务站", "TY",
           (*_ID, "退伍证", "近期免冠照片"), "h", (22, 90), 2),
    Matter("农村宅基地和建房(规划许可)审批", "joint", 20, "农业综合服务中心、自然资源所、村委会",
           "NY", (*_HH, "农村宅基地和建房(规划许可)申请表", "村民小组会议决议",
                  "建房设计图或通用图集", "宅基地四至确认表"), "s", (25, 60), 2,
           basis="《中华人民共和国土地管理法》",
           refusals=("申请人家庭已有宅基地，不符合“一户一宅”规定",)),
    Matter("乡村建设规划许可证核发", "joint", 20, "自然资源所", "ZR",
           (*_ID, "规划许可申请表", "用地权属证明", "建设工程设计方案"), "s", (25, 65), 1,
           basis="《中华人民共和国城乡规划法》"),
    Matter("农村不动产登记(代收件)", "time_limited", 10, "自然资源所", "ZR",
           (*_HH, "权属来源证明", "房屋竣工验收资料"), "", (25, 70), 2,
           fee="住宅登记费80元/件(按规定减免的除外)"),
    Matter("农机购置补贴申请", "time_limited", 15, "农业综合服务中心", "NY",
           (*_ID, "购机发票", "机具铭牌及人机合影照片", "银行卡(一卡通)"), "s", (25, 68), 2,
           basis="《中华人民共和国农业机械化促进法》"),
    Matter("耕地地力保护补贴申报", "time_limited", 10, "农业综合服务中心", "NY",
           (*_ID, "土地承包经营权证", "银行卡(一卡通)"), "", (25, 80), 3),
    Matter("农村土地承包经营权流转合同鉴证", "time_limited", 5, "农业综合服务中心", "NY",
           (*_ID, "流转合同", "土地承包经营权证"), "", (25, 75), 1),
    Matter("农村危房改造申请", "joint", 20, "农业综合服务中心、自然资源所", "NY",
           (*_HH, "危房改造申请表", *_POOR[:1]), "hsf", (40, 90), 1),
    Matter("畜禽养殖场备案", "time_limited", 5, "农业综合服务中心", "NY",
           (*_ID, "备案表", "场址平面图"), "s", (25, 65), 1),
    Matter("林木采伐许可证核发", "time_limited", 10, "林业站", "LY",
           (*_ID, "采伐申请书", "林权证明"), "s", (25, 75), 1, basis="《中华人民共和国森林法》"),
    Matter("居住证办理(代收件)", "time_limited", 15, "派出所", "GA",
           (*_ID, "居住登记凭证", "近期免冠照片"), "", (16, 60), 2),
    Matter("户籍类证明开具", "immediate", 0, "派出所", "GA", _HH, "", (1, 85), 4),
    Matter("个体工商户设立登记", "immediate", 0, "市场监管所", "SC",
           (*_ID, "经营场所证明", "个体工商户登记申请书"), "", (20, 60), 3),
    Matter("食品小作坊登记", "time_limited", 10, "市场监管所", "SC",
           (*_ID, "登记申请书", "生产场所平面图", "从业人员健康证明"), "s", (25, 60), 1),
    Matter("法律援助申请", "time_limited", 7, "司法所", "SF",
           (*_ID, "法律援助申请表", "经济困难状况说明表", "案件相关材料"), "g", (18, 80), 1,
           basis="《中华人民共和国法律援助法》"),
    Matter("水电气报装(代办)", "immediate", 0, "便民服务中心", "ZH",
           (*_ID, "房屋产权或使用证明"), "", (25, 70), 2),
)
